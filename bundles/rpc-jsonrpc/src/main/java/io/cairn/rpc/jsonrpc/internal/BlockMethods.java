package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Blocks and chain counters: getBlockNumber, getBlockByNumber, getBlockByHash, getTotalTransactionCount. */
public final class BlockMethods {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final NodeServices node;
    private final ModelView models;

    public BlockMethods(NodeServices node) {
        this.node = node;
        this.models = new ModelView(node);
    }

    public void register(Map<String, RpcMethod> methods) {
        methods.put("getBlockNumber", this::getBlockNumber);
        methods.put("getBlockByNumber", this::getBlockByNumber);
        methods.put("getBlockByHash", this::getBlockByHash);
        methods.put("getTotalTransactionCount", this::getTotalTransactionCount);
    }

    JsonNode getBlockNumber(Params p) {
        p.atMost(0);
        return NODES.numberNode(node.needBlockStore().height());
    }

    JsonNode getBlockByNumber(Params p) {
        p.atMost(2);
        BlockStore store = node.needBlockStore();
        long number = p.blockNumber(0, "block number", store.height());
        boolean full = p.bool(1, "fullTransactions", false);
        Optional<Block> block = store.block(number);
        if (block.isEmpty()) {
            java.util.OptionalLong joined = store.joinedAt();
            if (number > 0 && joined.isPresent() && number <= joined.getAsLong()) {
                throw new RpcException(RpcException.NOT_HELD, "block " + number + " is not held here: this node joined "
                        + "the chain at block " + joined.getAsLong() + " from a snapshot");
            }
            return NODES.nullNode();
        }
        Hash hash = store.hash(number).orElseGet(() -> node.needSuite().digest(block.get().header().encode()));
        return block(block.get(), hash, full);
    }

    JsonNode getBlockByHash(Params p) {
        p.atMost(2);
        Hash hash = p.hash(0, "block hash");
        boolean full = p.bool(1, "fullTransactions", false);
        Optional<Block> block = node.needBlockStore().block(hash);
        return block.isEmpty() ? NODES.nullNode() : block(block.get(), hash, full);
    }

    private ObjectNode block(Block block, Hash hash, boolean full) {
        List<Envelope> txs = block.transactions();
        List<JsonNode> out = new ArrayList<>(txs.size());
        if (!txs.isEmpty()) {
            // Blocks store transactions, not their hashes: a recent block's come from its commit, older ones are
            // hashed again (cheap next to a signature check, not next to serving a watched head at every block).
            CryptoSuite suite = node.needSuite();
            List<Hash> known = node.recentTxHashes(hash);
            if (known != null && known.size() != txs.size()) {
                known = null;
            }
            for (int i = 0; i < txs.size(); i++) {
                Envelope tx = txs.get(i);
                Hash txHash = known != null ? known.get(i) : suite.digest(tx.payload());
                out.add(full ? models.json(ModelView.signed(tx, txHash, suite), block.number(), hash, i)
                        : ChainJson.hash(txHash));
            }
        }
        return ChainJson.block(block, hash, out);
    }

    JsonNode getTotalTransactionCount(Params p) {
        p.atMost(0);
        BlockStore store = node.needBlockStore();
        ObjectNode o = NODES.objectNode();
        o.put("blockNumber", store.height());
        o.put("transactionCount", store.totalTransactionCount());
        return o;
    }
}
