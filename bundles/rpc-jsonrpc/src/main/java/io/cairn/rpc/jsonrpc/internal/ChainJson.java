package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/** The JSON form of chain types (docs/rpc.md): hex is 0x-prefixed, amounts are decimal strings. */
public final class ChainJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ChainJson() {}

    public static JsonNode hex(byte[] b) {
        return NODES.textNode(Bytes.toHex(b));
    }

    public static JsonNode hash(Hash h) {
        return h == null ? NODES.nullNode() : NODES.textNode(h.toHex());
    }

    public static JsonNode address(Address a) {
        return a == null ? NODES.nullNode() : NODES.textNode(a.toHex());
    }

    /** A u64 of the encoding (chain id, nonce) as the unsigned number it is. */
    public static JsonNode u64(long v) {
        return v >= 0 ? NODES.numberNode(v) : NODES.numberNode(new BigInteger(Long.toUnsignedString(v)));
    }

    /**
     * A transaction of any ledger model, with its encoding, so that a client can check its signatures and hash
     * without trusting the node: {@code hash, version, chainId, ledger}, then the model's fields
     * ({@code described}, in their order), then {@code signers, raw, blockNumber, blockHash, transactionIndex};
     * the last three are null while it is pending.
     *
     * @param described the model's fields ({@code LedgerModel.describe}): plain JSON values ({@link #value})
     */
    public static ObjectNode transaction(VerifiedTransaction tx, Map<String, ?> described, Long blockNumber,
            Hash blockHash, Integer index) {
        Envelope env = tx.envelope();
        ObjectNode o = NODES.objectNode();
        o.set("hash", hash(tx.hash()));
        o.put("version", env.version());
        o.set("chainId", u64(env.chainId()));
        o.put("ledger", Envelope.ledgerName(env.ledger()));
        for (Map.Entry<String, ?> e : described.entrySet()) {
            o.set(e.getKey(), value(e.getValue()));
        }
        ArrayNode signers = o.putArray("signers");
        List<byte[]> keys = env.publicKeys();
        for (int i = 0; i < keys.size(); i++) {
            ObjectNode s = signers.addObject();
            s.set("address", address(tx.signers().get(i)));
            s.set("publicKey", hex(keys.get(i)));
            s.set("signature", hex(env.signatures().get(i)));
        }
        o.set("raw", hex(env.encoded()));
        o.put("blockNumber", blockNumber);
        o.set("blockHash", hash(blockHash));
        o.put("transactionIndex", index);
        return o;
    }

    /**
     * A plain Java JSON value, as a ledger model gives it ({@code LedgerQuery}): a {@code Map} (its order kept), a
     * {@code List}, a {@code String}, a {@code Number} (written as the exact number it is: a {@code BigInteger}
     * never becomes a double), a {@code Boolean} or null.
     *
     * @throws IllegalStateException naming the type of a value that is none of these
     */
    public static JsonNode value(Object v) {
        if (v == null) {
            return NODES.nullNode();
        }
        if (v instanceof String s) {
            return NODES.textNode(s);
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (v instanceof BigInteger b) {
            return b.bitLength() < 64 ? NODES.numberNode(b.longValue()) : NODES.numberNode(b);
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return NODES.numberNode(((Number) v).longValue());
        }
        if (v instanceof BigDecimal d) {
            return NODES.numberNode(d);
        }
        if (v instanceof Double || v instanceof Float) {
            return NODES.numberNode(((Number) v).doubleValue());
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new IllegalStateException("a JSON object's keys are strings, got " + type(e.getKey()));
                }
                o.set(k, value(e.getValue()));
            }
            return o;
        }
        if (v instanceof List<?> l) {
            ArrayNode a = NODES.arrayNode(l.size());
            for (Object e : l) {
                a.add(value(e));
            }
            return a;
        }
        throw new IllegalStateException("not a JSON value: " + type(v)
                + " (a ledger model answers maps, lists, strings, numbers, booleans and null)");
    }

    private static String type(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }

    /** A receipt; {@code to} is the recipient the ledger model names, or null. */
    public static ObjectNode receipt(Receipt r, Hash blockHash, String to) {
        ObjectNode o = NODES.objectNode();
        o.set("transactionHash", hash(r.txHash()));
        o.put("blockNumber", r.blockNumber());
        o.set("blockHash", hash(blockHash));
        o.put("transactionIndex", r.index());
        o.set("from", address(r.from()));
        o.put("to", to);
        o.put("status", r.status().code);
        o.put("statusText", r.status().name());
        o.put("message", r.message());
        return o;
    }

    /** A block; {@code transactions} holds hashes or transaction objects, as the caller chose. */
    public static ObjectNode block(Block block, Hash hash, List<? extends JsonNode> transactions) {
        BlockHeader h = block.header();
        ObjectNode o = NODES.objectNode();
        o.put("number", h.number());
        o.set("hash", hash(hash));
        o.set("parentHash", hash(h.parentHash()));
        o.put("timestamp", h.timestamp());
        o.set("txRoot", hash(h.txRoot()));
        o.set("receiptRoot", hash(h.receiptRoot()));
        o.set("stateRoot", hash(h.stateRoot()));
        o.put("version", h.version());
        o.set("chainId", u64(h.chainId()));
        o.set("sealer", hex(h.sealer()));
        o.set("extra", hex(h.extra()));
        o.put("transactionCount", block.transactions().size());
        o.putArray("transactions").addAll(transactions);
        ArrayNode seals = o.putArray("seals");
        for (byte[] s : block.seals()) {
            seals.add(Bytes.toHex(s));
        }
        return o;
    }
}
