package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.MalformedDataException;

/** The kinds of PBFT message, each with the type code it carries on the wire (docs/protocol.md). */
enum MessageKind {
    /** body: the proposed block, {@link io.cairn.api.chain.Block} encoding with no seals. */
    PRE_PREPARE(1, "PRE-PREPARE"),
    /** body: empty. */
    PREPARE(2, "PREPARE"),
    /** body: the seal signature[64] over the block hash. */
    COMMIT(3, "COMMIT"),
    /** view: the view asked for; blockHash: the prepared certificate's block or zero; body: {@link PreparedCert}. */
    VIEW_CHANGE(4, "VIEW-CHANGE"),
    /** view: the new view; blockHash: the block it must re-propose or zero; body: u32 k | k x bytes VIEW-CHANGE. */
    NEW_VIEW(5, "NEW-VIEW"),
    /** A committed block answering FETCH: height = its number; body: the Block encoding with its seals. */
    DECIDED(6, "DECIDED"),
    /** Asks a peer for committed block {@code height}; body empty. */
    FETCH(7, "FETCH");

    private static final MessageKind[] BY_CODE = new MessageKind[8];

    static {
        for (MessageKind k : values()) {
            BY_CODE[k.code] = k;
        }
    }

    final int code;
    private final String label;

    MessageKind(int code, String label) {
        this.code = code;
        this.label = label;
    }

    static MessageKind of(int code) {
        MessageKind k = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (k == null) {
            throw new MalformedDataException("pbft message: unknown type " + code);
        }
        return k;
    }

    @Override
    public String toString() {
        return label;
    }
}
