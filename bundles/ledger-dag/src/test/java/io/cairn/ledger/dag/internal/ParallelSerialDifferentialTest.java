package io.cairn.ledger.dag.internal;

import static io.cairn.ledger.dag.internal.Dag.CHAIN;
import static io.cairn.ledger.dag.internal.Dag.SUITE;
import static io.cairn.ledger.dag.internal.Dag.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.StateTransition;
import io.cairn.api.runtime.NodeThreads;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Random blocks (sends, receives across accounts, of sends in the same block too, and faults: forks, double
 * receives, unknown and foreign parents, parents later in the block, receives of receives or of others' sends,
 * sends above the balance, undecodable bodies, another chain) run on the same parent state by the serial schedule
 * and by the parallel one on real threads and on every interleaving of shuffled parts: the outcome is the same
 * (receipts, writes and root, or the index and words of the refusal), and the root of every committed state is
 * its recomputation from scratch.
 */
class ParallelSerialDifferentialTest {
    private static final int BLOCKS = 1200;
    private static final int ACCOUNTS = 14;

    private record Send(Address to, BigInteger amount) {}

    private final Random random = new Random(20260901);
    private final DagLedger ledger = new DagLedger(SUITE);
    private final Dag.Store store = new Dag.Store();
    private final List<Address> accounts = new ArrayList<>();
    /** Committed: every send, every receive, the sends received, each account's chain. */
    private final Map<Hash, Send> sends = new LinkedHashMap<>();
    private final List<Hash> receives = new ArrayList<>();
    private final Set<Hash> received = new HashSet<>();
    private final Map<Address, List<Hash>> chains = new HashMap<>();
    private final Map<String, Integer> faults = new TreeMap<>();

    @Test
    void parallelAndSerialExecutionAgreeOnRandomBlocks() {
        Map<Address, BigInteger> alloc = new TreeMap<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            accounts.add(addr(100 + i));
            chains.put(accounts.get(i), new ArrayList<>());
            if (i < ACCOUNTS - 3) {
                alloc.put(accounts.get(i), BigInteger.valueOf(1000 + random.nextInt(100_000)));
            }
        }
        store.commit(ledger.genesis(Dag.genesis(alloc)));
        BigInteger supply = alloc.values().stream().reduce(BigInteger.ZERO, BigInteger::add);

        int valid = 0;
        try (TestThreads.Fixed two = new TestThreads.Fixed(2); TestThreads.Fixed three = new TestThreads.Fixed(3)) {
            for (int b = 1; b <= BLOCKS; b++) {
                List<VerifiedTransaction> txs = block();
                long number = b;
                Object serial = outcome(() -> ledger.applySerially(number, txs, store::get));
                List<Supplier<StateTransition>> parallel = List.of(
                        () -> ledger.applyInParallel(number, txs, store::get, two, 1, 1),
                        () -> ledger.applyInParallel(number, txs, store::get, three, 2, 2),
                        () -> ledger.applyInParallel(number, txs, store::get, two, BlockRun.MIN_PARALLEL,
                                BlockRun.PARTS_PER_THREAD),
                        () -> ledger.applyInParallel(number, txs, store::get,
                                new TestThreads.Shuffled(4, random.nextLong()), 1, 1),
                        () -> ledger.applyInParallel(number, txs, store::get, NodeThreads.DIRECT, 1, 1));
                for (int p = 0; p < parallel.size(); p++) {
                    Object other = outcome(parallel.get(p));
                    if (serial instanceof StateTransition st) {
                        if (!(other instanceof StateTransition pt)) {
                            fail("block " + b + ": serial ran it, schedule " + p + " refused it: " + other);
                            return;
                        }
                        DagLedgerTest.assertSameTransition(st, pt);
                    } else {
                        assertEquals(serial, other, "block " + b + ", schedule " + p);
                    }
                }
                if (serial instanceof StateTransition st) {
                    valid++;
                    commit(txs, st);
                    if (b % 40 == 0) {
                        assertEquals(ledger.stateRootOf(store.scan()), st.stateRoot(), "block " + b);
                    }
                } else {
                    faults.merge(category((Refusal) serial), 1, Integer::sum);
                }
            }
        }
        assertEquals(ledger.stateRootOf(store.scan()), ledger.stateRoot(store::get), "the final state");

        // sends and receives conserve the supply: balances plus what is sent and not received
        BigInteger total = BigInteger.ZERO;
        for (Address a : accounts) {
            total = total.add(ledger.balance(store::get, a));
        }
        for (Map.Entry<Hash, Send> s : sends.entrySet()) {
            if (!received.contains(s.getKey())) {
                total = total.add(s.getValue().amount);
            }
        }
        assertEquals(supply, total);

        // the blocks were a fair mix, and every fault was met
        int invalid = BLOCKS - valid;
        assertTrue(valid >= BLOCKS / 4 && invalid >= BLOCKS / 5, valid + " valid, " + invalid + " invalid blocks");
        for (String kind : List.of("fork", "already received", "does not exist", "balance", "comes after it",
                "receive, not a send", "to another", "another account's", "body", "chain")) {
            assertTrue(faults.getOrDefault(kind, 0) >= 3, "fault '" + kind + "' met too rarely: " + faults);
        }
        assertTrue(receives.size() > 1000 && sends.size() > 1000, sends.size() + " sends, " + receives.size()
                + " receives committed");
    }

    /** A refusal as the comparison needs it: index and words. */
    private record Refusal(int index, String message) {}

    private static Object outcome(Supplier<StateTransition> run) {
        try {
            return run.get();
        } catch (InvalidBlockException e) {
            return new Refusal(e.transaction().orElse(-1), e.getMessage());
        }
    }

    private static String category(Refusal r) {
        String m = r.message;
        if (m.contains("a fork")) {
            return "fork";
        }
        if (m.contains("already received")) {
            return "already received";
        }
        if (m.contains("does not exist")) {
            return "does not exist";
        }
        if (m.contains("less than the amount")) {
            return "balance";
        }
        if (m.contains("comes after it")) {
            return "comes after it";
        }
        if (m.contains("is a receive, not a send")) {
            return "receive, not a send";
        }
        if (m.contains(", not to ")) {
            return "to another";
        }
        if (m.contains("'s, not ")) {
            return "another account's";
        }
        if (m.contains("dag body")) {
            return "body";
        }
        if (m.contains("this is chain")) {
            return "chain";
        }
        throw new AssertionError("unexpected refusal: " + m);
    }

    private void commit(List<VerifiedTransaction> txs, StateTransition st) {
        store.commit(st);
        for (VerifiedTransaction t : txs) {
            DagBody body = DagBody.of(t).body();
            chains.get(t.sender()).add(t.hash());
            if (body.isSend()) {
                sends.put(t.hash(), new Send(body.to, body.amountValue()));
            } else {
                receives.add(t.hash());
                received.add(body.source);
            }
        }
    }

    // ---------------------------------------------------------------- the generator

    /** The block being made, as its own transactions would leave the state if they all ran. */
    private final class Draft {
        final List<VerifiedTransaction> txs = new ArrayList<>();
        final Map<Address, Hash> head = new HashMap<>();
        final Map<Address, BigInteger> balance = new HashMap<>();
        final Map<Address, List<Hash>> chain = new HashMap<>();
        final Map<Hash, Send> open = new LinkedHashMap<>();
        final Map<Hash, Send> known = new HashMap<>(sends);
        final List<Hash> closed = new ArrayList<>();
        final List<Hash> receiveHashes = new ArrayList<>(receives);

        Draft() {
            for (Address a : accounts) {
                DagState.Account acc = DagState.Account.load(store::get, a);
                head.put(a, acc.head());
                balance.put(a, acc.balanceValue());
                chain.put(a, new ArrayList<>(chains.get(a)));
            }
            for (Map.Entry<Hash, Send> s : sends.entrySet()) {
                if (received.contains(s.getKey())) {
                    closed.add(s.getKey());
                } else {
                    open.put(s.getKey(), s.getValue());
                }
            }
        }

        void ran(VerifiedTransaction t) {
            txs.add(t);
            DagBody body = DagBody.of(t).body();
            Address a = t.sender();
            head.put(a, t.hash());
            chain.get(a).add(t.hash());
            if (body.isSend()) {
                balance.put(a, balance.get(a).subtract(body.amountValue()));
                open.put(t.hash(), new Send(body.to, body.amountValue()));
                known.put(t.hash(), new Send(body.to, body.amountValue()));
            } else {
                balance.put(a, balance.get(a).add(open.remove(body.source).amount));
                closed.add(body.source);
                receiveHashes.add(t.hash());
            }
        }
    }

    private Address anyAccount() {
        return accounts.get(random.nextInt(accounts.size()));
    }

    private <T> T any(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    private Hash randomHash() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Hash.of(b);
    }

    private List<VerifiedTransaction> block() {
        Draft d = new Draft();
        int size = 1 + random.nextInt(random.nextInt(8) == 0 ? 120 : 30);
        for (int t = 0; t < size; t++) {
            if (random.nextInt(1000) < 14) {
                fault(d);
                continue;
            }
            List<Hash> open = new ArrayList<>(d.open.keySet());
            if (!open.isEmpty() && random.nextInt(5) < 2) {
                Hash s = any(open);
                Address to = d.open.get(s).to;
                d.ran(Dag.receive(to, d.head.get(to), s));
                continue;
            }
            List<Address> payers = accounts.stream().filter(a -> d.balance.get(a).signum() > 0).toList();
            if (payers.isEmpty()) {
                continue;
            }
            Address from = any(payers);
            BigInteger max = d.balance.get(from);
            long amount = 1 + (long) (random.nextDouble() * Math.min(max.longValue(), 50_000) * 0.6);
            d.ran(Dag.send(from, d.head.get(from), anyAccount(), Math.max(1, Math.min(amount, max.longValue()))));
        }
        if (d.txs.size() > 1 && random.nextInt(15) == 0) {
            // out of order: one transaction moved before another (often its parent)
            int i = random.nextInt(d.txs.size() - 1);
            Collections.swap(d.txs, i, i + 1 + random.nextInt(Math.min(3, d.txs.size() - 1 - i)));
        }
        return d.txs;
    }

    /** One faulty transaction in the draft; the draft goes on as if it had not been made. */
    private void fault(Draft d) {
        Address a = anyAccount();
        Hash head = d.head.get(a);
        switch (random.nextInt(10)) {
            case 0 -> { // fork: an older transaction of the account, or the start of a begun chain
                List<Hash> older = new ArrayList<>(d.chain.get(a));
                if (!older.isEmpty()) {
                    older.remove(older.size() - 1);
                    older.add(Hash.ZERO);
                    d.txs.add(Dag.send(a, any(older), anyAccount(), 1));
                }
            }
            case 1 -> { // a send received already
                if (!d.closed.isEmpty()) {
                    Hash s = any(d.closed);
                    Address to = d.known.get(s).to;
                    d.txs.add(Dag.receive(to, d.head.get(to), s));
                }
            }
            case 2 -> d.txs.add(Dag.send(a, randomHash(), anyAccount(), 1)); // no such previous
            case 3 -> d.txs.add(Dag.send(a, head, anyAccount(), d.balance.get(a).longValueExact() + 1
                    + random.nextInt(100))); // above the balance
            case 4 -> { // another account's transaction as previous
                Address b = anyAccount();
                if (!b.equals(a) && !d.head.get(b).equals(Hash.ZERO)) {
                    d.txs.add(Dag.send(a, d.head.get(b), anyAccount(), 1));
                }
            }
            case 5 -> { // a send to someone else
                List<Hash> others = d.open.entrySet().stream().filter(e -> !e.getValue().to.equals(a))
                        .map(Map.Entry::getKey).toList();
                if (!others.isEmpty()) {
                    d.txs.add(Dag.receive(a, head, any(others)));
                }
            }
            case 6 -> { // a receive as source
                if (!d.receiveHashes.isEmpty()) {
                    d.txs.add(Dag.receive(a, head, any(d.receiveHashes)));
                }
            }
            case 7 -> d.txs.add(Dag.receive(a, head, randomHash())); // no such send
            case 8 -> { // an undecodable body
                byte[] body = DagBody.send(head, anyAccount(), BigInteger.ONE);
                d.txs.add(Dag.signed(CHAIN, Arrays.copyOf(body, random.nextInt(body.length)), Dag.key(1)));
            }
            default -> d.txs.add(Dag.send(a, CHAIN + 1, head, anyAccount(), 1)); // another chain
        }
    }
}
