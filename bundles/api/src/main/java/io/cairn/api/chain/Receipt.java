package io.cairn.api.chain;

/**
 * The outcome of one transaction in a block. Encoding:
 * {@code txHash[32] | u64 blockNumber | u32 index | from[20] | u8 status | bytes message}.
 */
public record Receipt(Hash txHash, long blockNumber, int index, Address from, Status status, String message) {

    /** Outcome codes; the numbers are part of the encoding and never change meaning. */
    public enum Status {
        SUCCESS(0), INSUFFICIENT_BALANCE(1), BAD_NONCE(2), WRONG_CHAIN(3),
        /** A governance transaction the rules refused when its block ran (its message says why); it changed nothing. */
        REFUSED(4);

        public final int code;

        Status(int code) {
            this.code = code;
        }

        public static Status of(int code) {
            for (Status s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            throw new MalformedDataException("receipt: unknown status code " + code);
        }
    }

    public byte[] encode() {
        return new Encoder(96).fixed(txHash.raw()).u64(blockNumber).u32(index).fixed(from.toByteArray())
                .u8(status.code).bytes(message.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toByteArray();
    }

    public static Receipt decode(byte[] b) {
        Decoder d = new Decoder(b, "receipt");
        Receipt r = new Receipt(Hash.of(d.fixed(32, "txHash")), d.u64("blockNumber"), d.u32("index"),
                Address.of(d.fixed(20, "from")), Status.of(d.u8("status")),
                new String(d.bytes(4096, "message"), java.nio.charset.StandardCharsets.UTF_8));
        d.end();
        return r;
    }
}
