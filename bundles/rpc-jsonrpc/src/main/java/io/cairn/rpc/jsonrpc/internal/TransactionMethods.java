package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.TxPool;
import io.cairn.api.node.TxRejectedException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Transactions, receipts and accounts: sendTransaction, getTransaction, getTransactionReceipt, getBalance,
 * getPoolStatus. A transaction's body is read by the bound ledger model ({@link ModelView}); a model's own
 * methods (the account model's getNonce) are its queries ({@link LedgerQueries}).
 */
public final class TransactionMethods {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** How long sendTransaction waits for a txpool being swapped by an upgrade before answering "not ready". */
    static final long POOL_WAIT_MS = 3000;

    private final NodeServices node;
    private final ModelView models;
    private final long poolWaitNanos;

    public TransactionMethods(NodeServices node) {
        this(node, POOL_WAIT_MS);
    }

    TransactionMethods(NodeServices node, long poolWaitMs) {
        this.node = node;
        this.models = new ModelView(node);
        this.poolWaitNanos = TimeUnit.MILLISECONDS.toNanos(poolWaitMs);
    }

    public void register(Map<String, RpcMethod> methods) {
        methods.put("sendTransaction", new RpcMethod() {
            @Override
            public JsonNode call(Params p) {
                return submit(transaction(p));
            }

            /**
             * A batch's calls are prepared before any runs: the pool starts the model's checks of each now
             * ({@link TxPool#prepare}), so a private chain's range proofs of the whole batch are checked together.
             */
            @Override
            public Prepared prepare(Params p) {
                byte[] encoded = transaction(p);
                TxPool pool = node.txPool();
                if (pool != null) {
                    pool.prepare(List.of(encoded));
                }
                return new Prepared(senderKey(encoded), () -> submit(encoded));
            }
        });
        methods.put("getTransaction", this::getTransaction);
        methods.put("getTransactionReceipt", this::getTransactionReceipt);
        methods.put("getBalance", this::getBalance);
        methods.put("getPoolStatus", this::getPoolStatus);
    }

    private static byte[] transaction(Params p) {
        p.atMost(1);
        return p.hexBytes(0, "transaction");
    }

    /** Hands the bytes to the pool, which decodes and verifies them: the one set of rules for a transaction. */
    private JsonNode submit(byte[] encoded) {
        long deadline = System.nanoTime() + poolWaitNanos;
        while (true) {
            TxPool pool = awaitTxPool();
            try {
                return NODES.textNode(pool.submit(encoded).hash().toHex());
            } catch (TxRejectedException e) {
                // A pool being replaced, or one whose block store is being swapped, turns transactions away
                // for milliseconds: wait for the next one rather than make the client resend (and risk a
                // nonce gap on its side).
                if (e.reason() != TxRejectedException.Reason.NOT_READY || !awaitChange(pool, deadline)) {
                    return reject(e.reason().code, e.getMessage());
                }
            } catch (MalformedDataException e) {
                return reject(TxRejectedException.Reason.MALFORMED.code, e.getMessage());
            } catch (IllegalStateException e) {
                // a component behind the pool (block store, storage) is absent during a swap
                if (!awaitChange(pool, deadline)) {
                    return reject(TxRejectedException.Reason.NOT_READY.code, "not ready: " + e.getMessage());
                }
            }
        }
    }

    /** Waits briefly before a retry (a new pool, or the same one whose dependencies return); false at the deadline. */
    private boolean awaitChange(TxPool pool, long deadline) {
        long until = Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
        while (node.txPool() == pool && System.nanoTime() - until < 0) {
            LockSupport.parkNanos(POOL_POLL_NANOS);
        }
        return System.nanoTime() - deadline < 0;
    }

    /**
     * The txpool, waiting a little while it is absent: an upgrade swaps it in milliseconds, and a client under
     * load should see a short stall rather than an error for each transaction sent meanwhile.
     */
    private TxPool awaitTxPool() {
        TxPool pool = node.txPool();
        if (pool != null) {
            return pool;
        }
        long deadline = System.nanoTime() + poolWaitNanos;
        while ((pool = node.txPool()) == null && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(POOL_POLL_NANOS);
        }
        return pool != null ? pool : node.needTxPool();
    }

    private static final long POOL_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static JsonNode reject(int code, String message) {
        throw new RpcException(code, message == null ? "transaction rejected" : message);
    }

    /**
     * A batch entry's lane: its first signer's public key (the sender's), from the decoded envelope, so that one
     * sender's transactions keep their order (their nonces) while different senders are verified in parallel.
     * Bytes that do not decode go in any lane: the pool refuses them with the reason.
     */
    static int senderKey(byte[] encoded) {
        Envelope env;
        try {
            env = Envelope.decode(encoded);
        } catch (MalformedDataException e) {
            return RpcMethod.ANY_ORDER;
        }
        int h = Arrays.hashCode(env.publicKeys().get(0));
        return h == RpcMethod.ANY_ORDER ? 0 : h;
    }

    JsonNode getTransaction(Params p) {
        p.atMost(1);
        Hash hash = p.hash(0, "transaction hash");
        BlockStore store = node.needBlockStore();
        Optional<BlockStore.Located> located = store.transaction(hash);
        if (located.isEmpty()) {
            TxPool pool = node.txPool();
            Optional<VerifiedTransaction> pending = pool == null ? Optional.empty() : pool.get(hash);
            if (pending.isPresent()) {
                return models.json(pending.get(), null, null, null);
            }
            // It may have been committed (and dropped from the pool) between the two lookups.
            located = store.transaction(hash);
            if (located.isEmpty()) {
                return NODES.nullNode();
            }
        }
        BlockStore.Located l = located.get();
        VerifiedTransaction tx = models.committed(l.tx(), hash, () -> store.receipt(hash).map(Receipt::from));
        return models.json(tx, l.blockNumber(), store.hash(l.blockNumber()).orElse(null), l.index());
    }

    JsonNode getTransactionReceipt(Params p) {
        p.atMost(1);
        Hash hash = p.hash(0, "transaction hash");
        BlockStore store = node.needBlockStore();
        Optional<Receipt> receipt = store.receipt(hash);
        if (receipt.isEmpty()) {
            return NODES.nullNode();
        }
        Receipt r = receipt.get();
        String to = null;
        Optional<BlockStore.Located> located = store.transaction(hash);
        if (located.isPresent()) {
            to = models.to(models.committed(located.get().tx(), hash, () -> Optional.of(r.from())));
        }
        return ChainJson.receipt(r, store.hash(r.blockNumber()).orElse(null), to);
    }

    JsonNode getBalance(Params p) {
        p.atMost(1);
        Address account = p.address(0, "address");
        BlockStore store = node.needBlockStore();
        LedgerModel model = node.needLedgerModel();
        if (store.height() < 0) {
            throw RpcException.notReady("no genesis block yet");
        }
        try (StateSnapshot state = store.state()) {
            return NODES.textNode(model.balance(state, account).toString());
        } catch (UnsupportedOperationException hidden) {
            // a model that keeps balances hidden (the private ledger) says why and where to look instead
            throw RpcException.invalidParams("getBalance: " + hidden.getMessage());
        }
    }

    JsonNode getPoolStatus(Params p) {
        p.atMost(0);
        return StatusJson.pool(node.needTxPool().status());
    }
}
