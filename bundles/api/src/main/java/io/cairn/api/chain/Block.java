package io.cairn.api.chain;

import java.util.ArrayList;
import java.util.List;

/**
 * A header, its transactions and its seals. Encoding: {@code bytes header | u32 n | n x bytes tx |
 * u32 m | m x bytes seal}; a seal is {@code publicKey[64] | signature[64]} over the block hash.
 */
public record Block(BlockHeader header, List<Envelope> transactions, List<byte[]> seals) {
    public static final int MAX_TRANSACTIONS = 1 << 20;

    public Block {
        transactions = List.copyOf(transactions);
        seals = List.copyOf(seals);
    }

    public long number() {
        return header.number();
    }

    public byte[] encode() {
        Encoder e = new Encoder(512 + transactions.size() * 256).bytes(header.encode()).u32(transactions.size());
        for (Envelope t : transactions) {
            e.bytes(t.encoded());
        }
        e.u32(seals.size());
        for (byte[] s : seals) {
            e.bytes(s);
        }
        return e.toByteArray();
    }

    public static Block decode(byte[] b) {
        Raw raw = decodeRaw(b);
        List<Envelope> txs = new ArrayList<>(raw.transactions().size());
        for (int i = 0; i < raw.transactions().size(); i++) {
            try {
                txs.add(Envelope.decode(raw.transactions().get(i)));
            } catch (MalformedDataException e) {
                throw new MalformedDataException("block: transaction " + i + ": " + e.getMessage());
            }
        }
        return new Block(raw.header(), txs, raw.seals());
    }

    /**
     * Decodes the block's framing only: the header, and each transaction and seal as the bytes it was sent as
     * (the encoding is canonical, so these are the bytes a verifier checks and a store keeps).
     */
    public static Raw decodeRaw(byte[] b) {
        Decoder d = new Decoder(b, "block");
        BlockHeader h = BlockHeader.decode(d.bytes(1 << 20, "header"));
        int n = d.u32("transaction count");
        if (n < 0 || n > MAX_TRANSACTIONS) {
            throw new MalformedDataException("block: transaction count " + n + " out of range");
        }
        List<byte[]> txs = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
            txs.add(d.bytes(Envelope.MAX_ENCODED, "transaction " + i));
        }
        int m = d.u32("seal count");
        if (m < 0 || m > 1024) {
            throw new MalformedDataException("block: seal count " + m + " out of range");
        }
        List<byte[]> seals = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            seals.add(d.bytes(256, "seal " + i));
        }
        d.end();
        return new Raw(h, txs, seals);
    }

    /** Encodes a header with transactions given as their encodings: a proposal carries no seals. */
    public static byte[] encode(BlockHeader header, List<byte[]> transactions, List<byte[]> seals) {
        int size = 512;
        for (byte[] t : transactions) {
            size += t.length + 4;
        }
        Encoder e = new Encoder(size).bytes(header.encode()).u32(transactions.size());
        for (byte[] t : transactions) {
            e.bytes(t);
        }
        e.u32(seals.size());
        for (byte[] s : seals) {
            e.bytes(s);
        }
        return e.toByteArray();
    }

    /** A block with its transactions and seals as bytes (see {@link #decodeRaw}). */
    public record Raw(BlockHeader header, List<byte[]> transactions, List<byte[]> seals) {
        public Raw {
            transactions = List.copyOf(transactions);
            seals = List.copyOf(seals);
        }
    }
}
