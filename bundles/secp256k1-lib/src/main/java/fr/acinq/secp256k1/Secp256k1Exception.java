package fr.acinq.secp256k1;

/**
 * The exception the JNI library throws (by this exact name, with a message) when libsecp256k1 refuses
 * an input, e.g. a public key that is not on the curve. ACINQ defines it in their Kotlin wrapper, which
 * this bundle does not carry.
 */
public class Secp256k1Exception extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Secp256k1Exception(String message) {
        super(message);
    }
}
