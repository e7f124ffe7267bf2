package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Transaction;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
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

    /**
     * A transaction; {@code blockNumber}, {@code blockHash} and {@code index} are null while it is pending.
     */
    public static ObjectNode transaction(Transaction tx, Hash hash, Address from, Long blockNumber, Hash blockHash,
            Integer index) {
        ObjectNode o = NODES.objectNode();
        o.set("hash", hash(hash));
        o.put("chainId", tx.chainId());
        o.put("nonce", tx.nonce());
        o.set("from", address(from));
        o.set("to", address(tx.to()));
        o.put("value", tx.value().toString());
        o.set("data", hex(tx.data()));
        o.put("blockNumber", blockNumber);
        o.set("blockHash", hash(blockHash));
        o.put("transactionIndex", index);
        return o;
    }

    public static ObjectNode receipt(Receipt r, Hash blockHash, Address to) {
        ObjectNode o = NODES.objectNode();
        o.set("transactionHash", hash(r.txHash()));
        o.put("blockNumber", r.blockNumber());
        o.set("blockHash", hash(blockHash));
        o.put("transactionIndex", r.index());
        o.set("from", address(r.from()));
        o.set("to", address(to));
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
        o.put("chainId", h.chainId());
        o.set("sealer", hex(h.sealer()));
        o.put("transactionCount", block.transactions().size());
        o.putArray("transactions").addAll(transactions);
        ArrayNode seals = o.putArray("seals");
        for (byte[] s : block.seals()) {
            seals.add(Bytes.toHex(s));
        }
        return o;
    }

    /**
     * Engine-reported values (consensus status): maps, lists, numbers, strings, booleans and chain types;
     * anything else by its string form, so that no engine object is serialised by reflection.
     */
    public static JsonNode value(Object v) {
        if (v == null) {
            return NODES.nullNode();
        } else if (v instanceof String s) {
            return NODES.textNode(s);
        } else if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return NODES.numberNode(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            return NODES.numberNode(((Number) v).doubleValue());
        } else if (v instanceof BigInteger b) {
            return NODES.numberNode(b);
        } else if (v instanceof BigDecimal b) {
            return NODES.numberNode(b);
        } else if (v instanceof byte[] b) {
            return hex(b);
        } else if (v instanceof Hash h) {
            return hash(h);
        } else if (v instanceof Address a) {
            return address(a);
        } else if (v instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                o.set(String.valueOf(e.getKey()), value(e.getValue()));
            }
            return o;
        } else if (v instanceof Collection<?> c) {
            ArrayNode a = NODES.arrayNode(c.size());
            for (Object e : c) {
                a.add(value(e));
            }
            return a;
        } else if (v instanceof Object[] arr) {
            return value(java.util.Arrays.asList(arr));
        }
        return NODES.textNode(v.toString());
    }
}
