package io.cairn.secp256k1;

import fr.acinq.secp256k1.Secp256k1CFunctions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * ECDSA over secp256k1 by libsecp256k1, and its point arithmetic (a wallet's range proofs). Loads the native library once per JVM: inside OSGi through this
 * bundle's {@code Bundle-NativeCode}, on a plain class path (the launcher, unit tests) by copying it out of
 * the jar to a temporary file. When neither works (another platform, or a second revision of this bundle
 * while the first still holds the library) {@link #available()} is false and {@link #unavailableReason()}
 * says why; callers then use their own implementation.
 *
 * <p>The library context is created once and never destroyed: it lives exactly as long as the library
 * mapping, which a JVM cannot unload either. Verification and the point arithmetic only read the context,
 * so every thread shares it without locks.
 */
public final class NativeSecp256k1 {
    static final String LIBRARY = "secp256k1-jni";
    private static final int FIELD = 32;

    private static final long CONTEXT;
    private static final String UNAVAILABLE;

    static {
        String why = load();
        long ctx = 0;
        if (why == null) {
            try {
                ctx = Secp256k1CFunctions.secp256k1_context_create(
                        Secp256k1CFunctions.SECP256K1_CONTEXT_SIGN | Secp256k1CFunctions.SECP256K1_CONTEXT_VERIFY);
                if (ctx == 0) {
                    why = "secp256k1_context_create returned no context";
                }
            } catch (LinkageError e) {
                why = "the native library does not match its JNI class: " + e;
            }
        }
        CONTEXT = ctx;
        UNAVAILABLE = why;
    }

    private NativeSecp256k1() {}

    /** Whether the native library is loaded and usable. */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why the native library is not available, or null when it is. */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * Whether {@code signature} (r || s, 64 bytes, s in the lower half of the order) signs {@code hash32}
     * under {@code publicKey} (x || y, 64 bytes). False, never an exception, for any malformed input: wrong
     * lengths, a point not on the curve, r or s out of range, a high s.
     *
     * @throws IllegalStateException when the library is not {@link #available()}
     */
    public static boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
        requireAvailable();
        if (hash32 == null || hash32.length != FIELD || signature == null || signature.length != 2 * FIELD
                || publicKey == null || publicKey.length != 2 * FIELD) {
            return false;
        }
        byte[] uncompressed = new byte[1 + 2 * FIELD];
        uncompressed[0] = 0x04;
        System.arraycopy(publicKey, 0, uncompressed, 1, 2 * FIELD);
        try {
            return Secp256k1CFunctions.secp256k1_ecdsa_verify(CONTEXT, signature, hash32, uncompressed) == 1;
        } catch (RuntimeException refused) {
            // Secp256k1Exception: the key or signature does not parse (off the curve, r or s >= n)
            return false;
        }
    }

    /**
     * {@code scalar·point} (libsecp256k1's {@code secp256k1_ec_pubkey_tweak_mul}): a 65-byte uncompressed point
     * ({@code 04 | x | y}) times a 32-byte big-endian scalar. Null when the product cannot be computed here: the
     * point is not on the curve, the scalar is zero or not below the order.
     *
     * @throws IllegalStateException when the library is not {@link #available()}
     */
    public static byte[] multiply(byte[] point, byte[] scalar) {
        requireAvailable();
        try {
            return Secp256k1CFunctions.secp256k1_ec_pubkey_tweak_mul(CONTEXT, point, scalar);
        } catch (RuntimeException refused) {
            return null;
        }
    }

    /**
     * The sum of 65-byte uncompressed points ({@code secp256k1_ec_pubkey_combine}), uncompressed; null when it is the
     * point at infinity (which libsecp256k1 does not encode) or a point does not parse.
     *
     * @throws IllegalStateException when the library is not {@link #available()}
     */
    public static byte[] add(byte[][] points) {
        requireAvailable();
        try {
            return Secp256k1CFunctions.secp256k1_ec_pubkey_combine(CONTEXT, points);
        } catch (RuntimeException refused) {
            return null;
        }
    }

    private static void requireAvailable() {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException("libsecp256k1 is not available: " + UNAVAILABLE);
        }
    }

    private static String load() {
        try {
            System.loadLibrary(LIBRARY); // OSGi: Bundle-NativeCode; elsewhere: java.library.path
            return null;
        } catch (UnsatisfiedLinkError | SecurityException notMapped) {
            String resource = resource();
            if (resource == null) {
                return "no libsecp256k1 for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch");
            }
            try (InputStream in = NativeSecp256k1.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return "the jar carries no " + resource;
                }
                Path file = Files.createTempFile("cairn-libsecp256k1-", ".so");
                file.toFile().deleteOnExit();
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
                return null;
            } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
                return "cannot load libsecp256k1 (" + notMapped.getMessage() + "; then " + e + ")";
            }
        }
    }

    private static String resource() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            return null;
        }
        String dir = switch (arch) {
            case "amd64", "x86_64" -> "linux-x86_64";
            case "aarch64", "arm64" -> "linux-aarch64";
            default -> null;
        };
        return dir == null ? null : "/fr/acinq/secp256k1/jni/native/" + dir + "/libsecp256k1-jni.so";
    }
}
