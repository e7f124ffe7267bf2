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
import java.math.BigInteger;
import java.util.List;

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
     * A transaction with its encoding, so that a client can check its signature and hash without trusting the
     * node; {@code blockNumber}, {@code blockHash} and {@code index} are null while it is pending.
     *
     * @param encoded the transaction's encoding (the pool's or the block's bytes), or null to encode it
     */
    public static ObjectNode transaction(Transaction tx, byte[] encoded, Hash hash, Address from, Long blockNumber,
            Hash blockHash, Integer index) {
        ObjectNode o = NODES.objectNode();
        o.set("hash", hash(hash));
        o.set("chainId", u64(tx.chainId()));
        o.set("nonce", u64(tx.nonce()));
        o.set("from", address(from));
        o.set("to", address(tx.to()));
        o.put("value", tx.value().toString());
        o.set("data", hex(tx.data()));
        o.set("publicKey", hex(tx.publicKey()));
        o.set("signature", hex(tx.signature()));
        o.set("raw", hex(encoded != null ? encoded : tx.encode()));
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
