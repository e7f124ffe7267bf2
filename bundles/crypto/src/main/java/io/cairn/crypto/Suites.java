package io.cairn.crypto;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.internal.Secp256k1Suite;
import io.cairn.crypto.internal.Sm2Suite;
import java.util.List;
import java.util.Locale;

/**
 * The crypto suites by name, as plain Java: the launcher uses this on its class path outside OSGi
 * (key generation, signing client transactions), the components use it inside.
 */
public final class Suites {
    private Suites() {}

    /** The suites this bundle offers, by name. */
    public static List<String> names() {
        return List.of(CryptoSuite.SECP256K1, CryptoSuite.SM2);
    }

    /**
     * A new suite instance; suites are immutable and thread-safe, so callers keep one.
     *
     * @throws IllegalArgumentException for any name but {@code secp256k1} or {@code sm2}
     */
    public static CryptoSuite byName(String name) {
        return byName(name, true);
    }

    /**
     * As {@link #byName(String)}; {@code preferNative} false keeps secp256k1 verification in Bouncy Castle
     * even where libsecp256k1 loads.
     */
    public static CryptoSuite byName(String name, boolean preferNative) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        switch (key) {
            case CryptoSuite.SECP256K1:
                return new Secp256k1Suite(preferNative);
            case CryptoSuite.SM2:
                return new Sm2Suite();
            default:
                throw new IllegalArgumentException("unknown crypto suite '" + name + "': expected "
                        + CryptoSuite.SECP256K1 + " or " + CryptoSuite.SM2);
        }
    }
}
