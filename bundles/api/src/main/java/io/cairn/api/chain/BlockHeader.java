package io.cairn.api.chain;

/**
 * Encoding: {@code u8 version | u64 chainId | u64 number | parentHash[32] | u64 timestamp |
 * txRoot[32] | receiptRoot[32] | stateRoot[32] | u32 txCount | bytes sealer | bytes extra}.
 * The block hash is the suite hash of this encoding; seals (signatures) are outside it.
 */
public record BlockHeader(int version, long chainId, long number, Hash parentHash, long timestamp, Hash txRoot,
        Hash receiptRoot, Hash stateRoot, int txCount, byte[] sealer, byte[] extra) {

    public static final int PROTOCOL_VERSION = 1;
    public static final int MAX_EXTRA = 64 * 1024;

    public byte[] encode() {
        return new Encoder(256 + extra.length).u8(version).u64(chainId).u64(number).fixed(parentHash.raw())
                .u64(timestamp).fixed(txRoot.raw()).fixed(receiptRoot.raw()).fixed(stateRoot.raw()).u32(txCount)
                .bytes(sealer).bytes(extra).toByteArray();
    }

    public static BlockHeader decode(byte[] b) {
        Decoder d = new Decoder(b, "block header");
        BlockHeader h = read(d);
        d.end();
        return h;
    }

    static BlockHeader read(Decoder d) {
        return new BlockHeader(d.u8("version"), d.u64("chainId"), d.u64("number"), Hash.of(d.fixed(32, "parentHash")),
                d.u64("timestamp"), Hash.of(d.fixed(32, "txRoot")), Hash.of(d.fixed(32, "receiptRoot")),
                Hash.of(d.fixed(32, "stateRoot")), d.u32("txCount"), d.bytes(1024, "sealer"),
                d.bytes(MAX_EXTRA, "extra"));
    }
}
