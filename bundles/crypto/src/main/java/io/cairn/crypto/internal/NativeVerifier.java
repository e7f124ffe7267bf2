package io.cairn.crypto.internal;

import io.cairn.secp256k1.NativeSecp256k1;

/**
 * The bridge to {@code cairn-secp256k1-lib}, whose package this bundle imports optionally: every access
 * goes through {@link #reason()} first, which turns a missing wire (no such bundle installed) into a
 * reason instead of a NoClassDefFoundError.
 */
final class NativeVerifier {
    private NativeVerifier() {}

    /** Null when libsecp256k1 can verify here, else why not. */
    static String reason() {
        try {
            return NativeSecp256k1.available() ? null : NativeSecp256k1.unavailableReason();
        } catch (LinkageError notWired) {
            return "cairn-secp256k1-lib is not installed (" + notWired + ")";
        }
    }

    static boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
        return NativeSecp256k1.verify(hash32, signature, publicKey);
    }
}
