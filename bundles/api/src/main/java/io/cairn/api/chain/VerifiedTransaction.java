package io.cairn.api.chain;

/** A transaction whose signature has been checked once, with its hash and sender. */
public record VerifiedTransaction(Transaction tx, Hash hash, Address sender, byte[] encoded) {
    public long nonce() {
        return tx.nonce();
    }
}
