package io.cairn.ledger.dag.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Nonces;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.EntryExpansions;
import io.cairn.api.ledger.LtHash16;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.WriteBatch;
import io.cairn.ledger.dag.internal.DagState.Account;
import io.cairn.ledger.dag.internal.DagState.Receivable;
import io.cairn.ledger.dag.internal.DagState.TxIndex;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One block's execution (docs/ledgers.md, "DAG", Execution). Three steps:
 *
 * <ol>
 * <li><b>plan</b> (one thread, in block order, no state): decode each transaction and resolve the parents it names
 * (its {@code previous}, a receive's {@code source}) to earlier transactions of the block or to the parent state.
 * Every rule that needs no state is checked here: a parent later in the block, another account's previous, a
 * fork (two transactions following one previous), a send received twice, a source that is not a send to the
 * receiver. The plan stops at the first transaction breaking one: no later transaction matters.</li>
 * <li><b>run</b>: each planned transaction reads only the account entry its {@code previous} names (the parent
 * state's when the previous one is not in the block, else what that earlier transaction wrote) and the receivable
 * its {@code source} names, and computes its writes and its contribution to the state accumulator. Serially, in
 * block order; or in parallel, in waves: wave k holds the transactions whose longest path of in-block parents has
 * k edges, so a wave's transactions are independent and each runs after its parents.</li>
 * <li><b>finish</b> (one thread): the lowest failing index makes the block invalid; otherwise the contributions
 * are summed (in any order: the sum is commutative) and the writes emitted in block order.</li>
 * </ol>
 *
 * <p>Why parallel equals serial: a transaction's outcome is a function of the parent state, the plan, and its
 * in-block parents' outcomes, which have lower indices. By induction every transaction before the first failure
 * f of the serial run has the same outcome in both runs; f then fails in both with the same message (its parents
 * are below f, and ran). Transactions after f never lower the minimum, whatever their outcome, so both runs report
 * f. A transaction whose index is above a failure already found is skipped; its descendants (higher still) are too.
 *
 * <p>Not thread-safe itself: one instance per block. Its parts run on the node's threads; the parent view is read
 * concurrently.
 */
final class BlockRun {
    /** A wave of fewer transactions than this runs on the calling thread: a helper's wake-up costs more. */
    static final int MIN_PARALLEL = 32;
    /** Parts per thread a wave is split into, so that a slow part does not hold the others up. */
    static final int PARTS_PER_THREAD = 16;

    /** One transaction of the block as the plan resolved it, and what its run produced. */
    static final class Tx {
        final int index;
        final DagBody body;
        final Address account;
        final Hash hash;
        /** In-block parents and children: indices, -1 for none (the parent is in state, or nothing follows). */
        int prev = -1;
        int source = -1;
        int next = -1;
        int receiver = -1;
        int level;

        // written by the one part that runs the transaction, read after its wave
        Account after;
        byte[] txKey;
        byte[] txValue;
        /** A send no transaction of the block receives: its receivable entry. */
        byte[] receivableKey;
        byte[] receivableValue;
        /** A receive of a send in the parent state: the receivable it deletes. */
        byte[] spentKey;
        /** The chain's last transaction in the block: the account entry it leaves. */
        byte[] accountKey;
        byte[] accountValue;

        Tx(int index, DagBody body, Address account, Hash hash) {
            this.index = index;
            this.body = body;
            this.account = account;
            this.hash = hash;
        }
    }

    private final CryptoSuite suite;
    private final EntryExpansions cache;
    private final long blockNumber;
    private final List<VerifiedTransaction> txs;
    private final StateView parent;
    private final long chainId;
    private final byte[] parentAccumulator;
    private final Tx[] tx;
    /** How many transactions the plan accepted: the index of the first it refused, or the block's size. */
    private int planned;
    private String refused;

    private volatile int failIndex = Integer.MAX_VALUE;
    private String failWhy;

    BlockRun(CryptoSuite suite, EntryExpansions cache, long blockNumber, List<VerifiedTransaction> txs, StateView parent) {
        this.suite = suite;
        this.cache = cache;
        this.blockNumber = blockNumber;
        this.txs = txs;
        this.parent = parent;
        this.chainId = DagLedger.chainId(parent);
        this.parentAccumulator = DagLedger.accumulator(parent);
        this.tx = new Tx[txs.size()];
    }

    // ---------------------------------------------------------------- the two schedules

    /** Block order, one thread, stopping at the first failure: the reference the parallel schedule must equal. */
    StateTransition serial() {
        plan();
        LtHash16 acc = new LtHash16();
        for (int i = 0; i < planned; i++) {
            String why = run(tx[i], acc);
            if (why != null) {
                throw invalid(i, why);
            }
        }
        if (planned < tx.length) {
            throw invalid(planned, refused);
        }
        return finish(List.of(acc));
    }

    /**
     * Waves of independent transactions on {@code threads}; a wave smaller than {@code minParallel} runs on the
     * calling thread.
     */
    StateTransition parallel(NodeThreads threads, int minParallel, int partsPerThread) {
        plan();
        Map<Thread, LtHash16> accs = new ConcurrentHashMap<>();
        int width = Math.max(1, threads.parallelism());
        for (int[] wave : waves()) {
            int m = wave.length;
            if (width == 1 || m < Math.max(2, minParallel)) {
                runPart(wave, 0, m, accs);
                continue;
            }
            int parts = Math.min(m, width * Math.max(1, partsPerThread));
            threads.parallel(parts, p -> runPart(wave, (int) ((long) p * m / parts), (int) ((long) (p + 1) * m / parts),
                    accs));
        }
        int f = failIndex;
        if (f < planned) {
            throw invalid(f, failWhy);
        }
        if (planned < tx.length) {
            throw invalid(planned, refused);
        }
        return finish(accs.values());
    }

    private void runPart(int[] wave, int from, int to, Map<Thread, LtHash16> accs) {
        // one accumulator per thread: a thread runs one part at a time
        LtHash16 acc = accs.computeIfAbsent(Thread.currentThread(), t -> new LtHash16());
        for (int k = from; k < to; k++) {
            int i = wave[k];
            if (i > failIndex) {
                continue; // cannot lower the first failure; nor can what follows it, which is higher still
            }
            String why = run(tx[i], acc);
            if (why != null) {
                failed(i, why);
            }
        }
    }

    private synchronized void failed(int i, String why) {
        if (i < failIndex) {
            failWhy = why;
            failIndex = i;
        }
    }

    /** The planned transactions by wave: a transaction's wave is one more than its parents' highest. */
    int[][] waves() {
        int levels = 0;
        for (int i = 0; i < planned; i++) {
            levels = Math.max(levels, tx[i].level + 1);
        }
        int[] count = new int[levels];
        for (int i = 0; i < planned; i++) {
            count[tx[i].level]++;
        }
        int[][] out = new int[levels][];
        for (int l = 0; l < levels; l++) {
            out[l] = new int[count[l]];
            count[l] = 0;
        }
        for (int i = 0; i < planned; i++) {
            int l = tx[i].level;
            out[l][count[l]++] = i; // block order within a wave
        }
        return out;
    }

    // ---------------------------------------------------------------- plan

    /** Resolves every transaction's parents, in block order, up to the first that breaks a rule needing no state. */
    void plan() {
        int n = tx.length;
        Map<Hash, Integer> byHash = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            byHash.putIfAbsent(txs.get(i).hash(), i);
        }
        Map<DagKeys.Slot, Integer> followers = new HashMap<>(n * 2);
        Map<Hash, Integer> receivers = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String why = plan(i, byHash, followers, receivers);
            if (why != null) {
                planned = i;
                refused = why;
                return;
            }
        }
        planned = n;
    }

    private String plan(int i, Map<Hash, Integer> byHash, Map<DagKeys.Slot, Integer> followers,
            Map<Hash, Integer> receivers) {
        VerifiedTransaction vtx = txs.get(i);
        DagBody.Decoded d = DagBody.of(vtx);
        if (!d.ok()) {
            return d.problem();
        }
        long txChain = vtx.envelope().chainId();
        if (txChain != chainId) {
            return "transaction is for chain " + Nonces.text(txChain) + ", this is chain " + Nonces.text(chainId);
        }
        DagBody body = d.body();
        Tx x = new Tx(i, body, vtx.sender(), vtx.hash());
        Tx p = null;
        Integer j = body.previous.equals(Hash.ZERO) ? null : byHash.get(body.previous);
        if (j != null) {
            if (j >= i) {
                return "previous transaction " + body.previous + " is transaction " + j
                        + " of this block, which comes after it";
            }
            p = tx[j];
            if (!p.account.equals(x.account)) {
                return DagRules.wrongAccount(body.previous, p.account, x.account).getMessage();
            }
        }
        Integer other = followers.putIfAbsent(new DagKeys.Slot(x.account, body.previous), i);
        if (other != null) {
            return "it and transaction " + other + " (" + tx[other].hash + ") both "
                    + DagRules.follows(body.previous, x.account) + ": a fork";
        }
        Tx s = null;
        if (!body.isSend()) {
            Integer k = byHash.get(body.source);
            if (k != null) {
                if (k >= i) {
                    return "source " + body.source + " is transaction " + k + " of this block, which comes after it";
                }
                s = tx[k];
                if (!s.body.isSend()) {
                    return DagRules.notASend(body.source).getMessage();
                }
                if (!s.body.to.equals(x.account)) {
                    return DagRules.wrongRecipient(body.source, s.body.to, x.account).getMessage();
                }
            }
            Integer r = receivers.putIfAbsent(body.source, i);
            if (r != null) {
                return "send " + body.source + " is already received by transaction " + r + " (" + tx[r].hash
                        + ") of this block";
            }
        }
        if (p != null) {
            x.prev = p.index;
            p.next = i;
            x.level = p.level + 1;
        }
        if (s != null) {
            x.source = s.index;
            s.receiver = i;
            x.level = Math.max(x.level, s.level + 1);
        }
        tx[i] = x;
        return null;
    }

    // ---------------------------------------------------------------- run

    /**
     * Runs one planned transaction whose in-block parents ran: its account after it, its entries, and its
     * contribution to {@code acc}. Reads the parent state only for what its edges name (and, to say why it fails,
     * the parent's index of the parent it names). Returns why it fails, or null.
     */
    String run(Tx x, LtHash16 acc) {
        DagBody body = x.body;
        Account before;
        byte[] original = null;
        if (x.prev >= 0) {
            before = tx[x.prev].after;
            if (before == null) {
                throw new IllegalStateException("transaction " + x.index + " ran before its previous transaction "
                        + x.prev);
            }
        } else {
            byte[] key = DagState.accountKey(x.account);
            original = parent.get(key);
            before = Account.decode(x.account, original);
            if (!before.head().equals(body.previous)) {
                return DagRules.headProblem(parent, x.account, before, body.previous).getMessage();
            }
            x.accountKey = key;
        }
        byte[] balance;
        if (body.isSend()) {
            if (DagState.below(before.balance(), body.amount)) {
                return DagRules.insufficient(x.account, before.balanceValue(), body.amountValue()).getMessage();
            }
            balance = DagState.minus(before.balance(), body.amount);
        } else if (x.source >= 0) {
            balance = DagState.plus(before.balance(), tx[x.source].body.amount);
        } else {
            byte[] key = DagState.receivableKey(body.source);
            byte[] stored = parent.get(key);
            if (stored == null) {
                return DagRules.sourceProblem(parent, body.source).getMessage();
            }
            Receivable r = Receivable.decode(body.source, stored);
            if (!r.to().equals(x.account)) {
                return DagRules.wrongRecipient(body.source, r.to(), x.account).getMessage();
            }
            balance = DagState.plus(before.balance(), r.amount());
            x.spentKey = key;
            acc.subtract(DagState.entrySeed(suite, key, stored)); // receivables are not cached: below
        }
        long height = before.height() + 1;
        if (height == 0) {
            throw new MalformedDataException("dag account " + x.account + " is at the last height 2^64-1");
        }
        Account after = new Account(x.hash, height, balance);
        x.after = after;

        // the index: a new entry, never removed, so not cached
        x.txKey = DagState.txKey(x.hash);
        x.txValue = TxIndex.encode(x.account, height, body.kind, body.previous);
        acc.add(DagState.entrySeed(suite, x.txKey, x.txValue));
        if (body.isSend() && x.receiver < 0) {
            // not cached: a receivable is removed once, and only if received, so caching every send's held the
            // cache's lock for each and evicted entries the next block needs; measured on a block of 10,000
            // independent sends, 1.40-1.65x on 2 threads against 1.75x without (a receive in the same block leaves
            // no entry at all)
            x.receivableKey = DagState.receivableKey(x.hash);
            x.receivableValue = Receivable.encode(body.to, body.amount);
            acc.add(DagState.entrySeed(suite, x.receivableKey, x.receivableValue));
        }
        if (original != null) {
            // the account's old entry leaves the state for good: its cached expansion is not needed again
            cache.subtract(acc, suite, x.accountKey, original);
        }
        if (x.next < 0) {
            if (x.accountKey == null) {
                x.accountKey = DagState.accountKey(x.account);
            }
            x.accountValue = after.encode();
            // kept: a busy account changes again soon, and its next block subtracts this entry
            cache.add(acc, suite, x.accountKey, x.accountValue);
        }
        return null;
    }

    // ---------------------------------------------------------------- finish

    private StateTransition finish(Collection<LtHash16> parts) {
        LtHash16 total = LtHash16.fromBytes(parentAccumulator);
        for (LtHash16 part : parts) {
            total.add(lanes(part.toBytes()));
        }
        WriteBatch batch = new WriteBatch();
        List<Receipt> receipts = new ArrayList<>(tx.length);
        for (Tx x : tx) {
            batch.put(x.txKey, x.txValue);
            if (x.receivableKey != null) {
                batch.put(x.receivableKey, x.receivableValue);
            }
            if (x.spentKey != null) {
                batch.delete(x.spentKey);
            }
            if (x.accountValue != null) {
                batch.put(x.accountKey, x.accountValue);
            }
            receipts.add(new Receipt(x.hash, blockNumber, x.index, x.account, Receipt.Status.SUCCESS, ""));
        }
        byte[] accBytes = total.toBytes();
        batch.put(DagState.LTHASH_KEY, accBytes);
        return new StateTransition(receipts, batch, Hash.of(suite.hash(accBytes)));
    }

    /** An accumulator's bytes as the 1024 lanes {@link LtHash16#add(char[])} adds. */
    static char[] lanes(byte[] bytes) {
        char[] out = new char[LtHash16.LANES];
        for (int i = 0; i < LtHash16.LANES; i++) {
            out[i] = (char) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] & 0xff) << 8);
        }
        return out;
    }

    private InvalidBlockException invalid(int i, String why) {
        return new InvalidBlockException("transaction " + i + " (" + txs.get(i).hash() + "): " + why, i);
    }
}
