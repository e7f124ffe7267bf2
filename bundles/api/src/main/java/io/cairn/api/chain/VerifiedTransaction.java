package io.cairn.api.chain;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A transaction whose signatures have been checked once (or that was taken from a committed block, whose
 * signatures were checked when it was accepted), with its hash and its signers' addresses in envelope order.
 * What the body means is the ledger model's business; a model may keep its decoding here ({@link #decoded}) so
 * the pool, the executor and the RPC decode a body once. Thread-safe.
 */
public final class VerifiedTransaction {
    private final Envelope envelope;
    private final Hash hash;
    private final List<Address> signers;
    private volatile Memo memo;

    private record Memo(Object owner, Object value) {}

    public VerifiedTransaction(Envelope envelope, Hash hash, List<Address> signers) {
        this.envelope = Objects.requireNonNull(envelope, "envelope");
        this.hash = Objects.requireNonNull(hash, "hash");
        this.signers = List.copyOf(signers);
        if (this.signers.size() != envelope.publicKeys().size()) {
            throw new IllegalArgumentException("transaction " + hash + ": " + this.signers.size()
                    + " signer addresses for " + envelope.publicKeys().size() + " public keys");
        }
    }

    public Envelope envelope() {
        return envelope;
    }

    public Hash hash() {
        return hash;
    }

    /** The signers' addresses, in envelope order. */
    public List<Address> signers() {
        return signers;
    }

    /** The first signer: the sender of a transaction that has one. */
    public Address sender() {
        return signers.get(0);
    }

    /** The encoding; the envelope's own array: do not modify. */
    public byte[] encoded() {
        return envelope.encoded();
    }

    /**
     * The body as {@code owner} decodes it, decoded once per owner: a model that is replaced by a new version
     * (another owner) decodes again rather than reading its predecessor's classes.
     */
    @SuppressWarnings("unchecked")
    public <T> T decoded(Object owner, Function<VerifiedTransaction, T> decoder) {
        Memo m = memo;
        if (m != null && m.owner == owner) {
            return (T) m.value;
        }
        T value = decoder.apply(this);
        memo = new Memo(owner, value);
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerifiedTransaction v && v.hash.equals(hash) && v.envelope.equals(envelope);
    }

    @Override
    public int hashCode() {
        return hash.hashCode();
    }

    @Override
    public String toString() {
        return "transaction " + hash;
    }
}
