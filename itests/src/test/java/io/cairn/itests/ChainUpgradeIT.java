package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static io.cairn.itests.UpgradeIT.log;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Hot swap at chain scale, on a real four-node PBFT chain ({@code cairn init --nodes 4}, one process per node)
 * under continuous transfers sent to every node:
 * <ol>
 *   <li>node1's network engine, then its consensus engine, is upgraded to a new signed version through
 *       {@code cairn:upgrade}: each upgrade commits and reports its pause, every accepted transfer gets a receipt
 *       on every node, the blocks are consecutive with the same hashes on all nodes, and {@code cairn:verify-chain}
 *       on node1 replays the chain to the roots it committed;</li>
 *   <li>a rolling upgrade of all four nodes, one after the other (network, then consensus), during which the chain
 *       never stops making blocks: the longest time without a new block, sampled on the nodes not being upgraded,
 *       stays under {@link #stallBound}.</li>
 *   <li>node3's network engine replaced by one of another wire protocol ({@code Cairn-Wire: 2-3}): node3 and its
 *       peers refuse each other, each side's network detail saying why, and the chain goes on with three; rolled
 *       back ({@code cairn:rollback network}), node3 rejoins and catches up.</li>
 * </ol>
 */
public class ChainUpgradeIT {
    static final int NODES = 4;
    static final Duration COMMIT = Duration.ofSeconds(45);
    /** What "the node is back" means is checked this often; also the height sampling period. */
    static final long SAMPLE_MS = 250;
    /** component -> engine artifact, in the order upgraded on each node. */
    static final Map<String, String> ENGINES = new LinkedHashMap<>();

    static {
        ENGINES.put("network", "cairn-network-netty");
        ENGINES.put("consensus", "cairn-consensus-pbft");
    }

    private static final Pattern COMMITTED = Pattern.compile(
            "COMMITTED \\((.*)\\): block production paused (\\d+) ms, \\S+ absent (-?\\d+) ms");

    private LocalChain chain;
    private List<RpcClient> rpcs;
    private long t0;

    @Test
    public void networkAndConsensusUpgradeOnOneNodeThenRollingUpgradeOfAllKeepsTheChainGoing() throws Exception {
        t0 = System.nanoTime();
        List<String> senderNames = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            senderNames.add("sender" + i); // one account per node: no nonce races between nodes
        }
        chain = LocalChain.init("chain-upgrade", NODES, "--accounts", String.join(",", senderNames));
        rpcs = chain.rpcs;
        Path work = chain.work;
        ExecutorService pool = Executors.newCachedThreadPool();
        HeightSampler sampler = new HeightSampler();
        AtomicBoolean stop = new AtomicBoolean();
        boolean passed = false;
        try {
            // ---- four processes, started together (each waits for its own node only)
            chain.startTogether(COMMIT.plusSeconds(30));
            log(t0, "4-node chain started");
            CryptoSuite suite = chain.suite();
            long chainId = chain.chainId();
            // a node answers JSON-RPC once genesis is in; its consensus engine may start a moment later
            long viewTimeoutMs = asLong(await("node0's consensus engine", COMMIT,
                    () -> map(rpcs.get(0).call("getConsensusStatus"))).get("viewTimeoutMs"));

            // ---- new signed versions: 1.0.1 for node1 (part 1), 1.0.2 for every node (part 2)
            Path system = ChainTestSupport.runtimeDirectory().resolve("system");
            Path jars = Files.createDirectories(work.resolve("jars"));
            Map<String, Path> v101 = new LinkedHashMap<>();
            Map<String, Path> v102 = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : ENGINES.entrySet()) {
                v101.put(e.getKey(), UpgradeIT.rewrite(system.resolve(e.getValue() + ".jar"),
                        jars.resolve(e.getValue() + "-1.0.1.jar"), "1.0.1", m -> m, (n, b) -> b));
                v102.put(e.getKey(), UpgradeIT.rewrite(system.resolve(e.getValue() + ".jar"),
                        jars.resolve(e.getValue() + "-1.0.2.jar"), "1.0.2", m -> m, (n, b) -> b));
            }

            // ---- load: one sender per node, from its own account, batches of 20 waiting for the last receipt
            Map<String, Boolean> accepted = new ConcurrentHashMap<>();
            AtomicLong retries = new AtomicLong();
            Address sink = Account.generate("sink", suite).address();
            List<Future<?>> sending = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                Account from = chain.account(senderNames.get(i), suite);
                RpcClient via = rpcs.get(i);
                sending.add(pool.submit(() -> {
                    UpgradeIT.send(via, suite, chainId, from, sink, accepted, retries, stop);
                    return null;
                }));
            }
            Future<?> sampling = pool.submit(() -> {
                sampler.run(stop);
                return null;
            });
            await("transfers flowing", COMMIT, () -> accepted.size() >= 200 ? Boolean.TRUE : null);
            log(t0, "load running: " + accepted.size() + " transfers accepted, height " + rpcs.get(0).blockNumber());

            // ================= part 1: network, then consensus, upgraded on node1 under load
            List<String> report = new ArrayList<>();
            long part1Start = System.nanoTime();
            for (String component : ENGINES.keySet()) {
                report.add(upgrade(1, component, chain.signedCopy(v101.get(component), jars, 1), "1.0.1", accepted,
                        sampler));
            }
            long part1End = System.nanoTime();
            Set<String> part1Txs = new HashSet<>(accepted.keySet());
            awaitReceiptsEverywhere(part1Txs, pool);
            long part1Height = assertSameChain(pool);
            String verified = verifyChain(1, part1Height);
            HeightSampler.Stall stall1 = sampler.longestStall(part1Start, part1End);
            log(t0, "part 1 done: " + part1Txs.size() + " accepted transfers have receipts on all 4 nodes, blocks 0.."
                    + part1Height + " identical, node1 " + verified.strip() + "; longest stall " + stall1);

            // ================= part 2: rolling upgrade of all four nodes, one by one
            long part2Start = System.nanoTime();
            for (int node = 0; node < NODES; node++) {
                for (String component : ENGINES.keySet()) {
                    report.add(upgrade(node, component, chain.signedCopy(v102.get(component), jars, node), "1.0.2", accepted,
                            sampler));
                }
            }
            long part2End = System.nanoTime();
            HeightSampler.Stall stall2 = sampler.longestStall(part2Start, part2End);
            log(t0, "rolling upgrade done; longest stall " + stall2);

            // ================= part 3: a network engine of another wire protocol (Cairn-Wire 2-3) on node3: its
            // peers and node3 refuse each other, each saying why; rolled back, node3 rejoins and catches up
            Path wire23 = UpgradeIT.rewrite(system.resolve("cairn-network-netty.jar"),
                    jars.resolve("cairn-network-netty-1.0.3.jar"), "1.0.3", m -> {
                        m.getMainAttributes().putValue("Cairn-Wire", "2-3");
                        return m;
                    }, (n, b) -> b);
            String out = chain.shell(3, "cairn:upgrade network " + chain.signedCopy(wire23, jars, 3));
            assertTrue(out, COMMITTED.matcher(out).find());
            await("node0 refusing node3's protocol", COMMIT, () -> networkDetail(0)
                    .contains("no common protocol version: it speaks 2..3, this node 1..1") ? Boolean.TRUE : null);
            await("node3 refusing its peers' protocol", COMMIT, () -> networkDetail(3)
                    .contains("no common protocol version: it speaks 1..1, this node 2..3") ? Boolean.TRUE : null);
            assertEquals("node3 has no peer", 0, connectedPeers(3));
            long isolatedAt = rpcs.get(3).blockNumber();
            await("the chain going on without node3", COMMIT,
                    () -> rpcs.get(0).blockNumber() >= isolatedAt + 3 ? Boolean.TRUE : null);
            out = chain.shell(3, "cairn:rollback network");
            assertTrue(out, COMMITTED.matcher(out).find());
            long rejoinTarget = rpcs.get(0).blockNumber();
            await("node3 back on the chain at block " + rejoinTarget, COMMIT,
                    () -> rpcs.get(3).blockNumber() >= rejoinTarget ? Boolean.TRUE : null);
            log(t0, "node3 on wire protocol 2..3 refused by and refusing its peers; rolled back, it caught up to "
                    + rejoinTarget);

            // ---- load stops; everything accepted is committed, identically, everywhere
            stop.set(true);
            for (Future<?> f : sending) {
                f.get(COMMIT.toSeconds(), TimeUnit.SECONDS);
            }
            sampling.get(COMMIT.toSeconds(), TimeUnit.SECONDS);
            Set<String> rest = new HashSet<>(accepted.keySet());
            rest.removeAll(part1Txs);
            awaitReceiptsEverywhere(rest, pool);
            long finalHeight = assertSameChain(pool);
            String verifiedEnd = verifyChain(1, finalHeight);
            List<String> viewChanges = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                viewChanges.add("node" + i + "=" + map(rpcs.get(i).call("getConsensusStatus")).get("viewChanges"));
            }

            long bound = stallBound(viewTimeoutMs);
            log(t0, "RESULT " + accepted.size() + " accepted transfers, all with receipts on all 4 nodes; blocks 0.."
                    + finalHeight + " identical on all nodes; " + retries.get() + " sends retried; view changes "
                    + viewChanges + "; node1 " + verifiedEnd.strip());
            for (String line : report) {
                log(t0, "RESULT " + line);
            }
            log(t0, "RESULT longest stall: part 1 (node1) " + stall1 + ", part 2 (rolling) " + stall2 + "; bound " + bound
                    + " ms (viewTimeoutMs " + viewTimeoutMs + ")");
            assertTrue("part 1: the chain stopped making blocks for " + stall1 + " (bound " + bound + " ms)",
                    stall1.millis() < bound);
            assertTrue("rolling upgrade: the chain stopped making blocks for " + stall2 + " (bound " + bound + " ms)",
                    stall2.millis() < bound);
            passed = true;
        } finally {
            stop.set(true);
            pool.shutdownNow();
            chain.stop(passed);
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The longest time without a new block that the rolling upgrade may cause. When the node being switched is
     * the leader of the current height (leaders rotate every block), the others wait out the view timeout, then
     * change view to a leader that is up and commit a block: viewTimeoutMs plus a VIEW-CHANGE/NEW-VIEW round and a
     * pre-prepare/prepare/commit round. Those rounds take tens of ms on loopback; the margin covers them on two
     * shared cores under load (four nodes, the senders and a shell JVM per upgrade), the proposal interval and the
     * sampling period. A second view change in a row (the timeout doubles) or a lost quorum goes over the bound.
     */
    static long stallBound(long viewTimeoutMs) {
        return viewTimeoutMs + 3000;
    }

    /**
     * Upgrades one component of one node through its shell and waits until the node is back in the chain: its
     * peers connected, its height caught up with the others, and transfers still being accepted. Returns a report
     * line with the pause.
     */
    private String upgrade(int node, String component, Path jar, String version, Map<String, Boolean> accepted,
            HeightSampler sampler) throws Exception {
        sampler.upgrading = node;
        long start = System.nanoTime();
        String out = chain.shell(node, "cairn:upgrade " + component + " " + jar);
        long shellMs = (System.nanoTime() - start) / 1_000_000;
        Matcher m = COMMITTED.matcher(out);
        assertTrue("upgrade of " + component + " on node" + node + " committed:\n" + out, m.find());
        assertTrue(out, out.contains("jar        " + ENGINES.get(component) + " " + version));
        long switched = System.nanoTime();
        await("node" + node + " reporting " + component + " " + version + " ready", COMMIT,
                () -> version.equals(engineVersion(node, component)) ? Boolean.TRUE : null);
        awaitPeers(node);
        long peersBack = System.nanoTime();
        long others = 0;
        for (int i = 0; i < NODES; i++) {
            others = i == node ? others : Math.max(others, rpcs.get(i).blockNumber());
        }
        long target = others;
        await("node" + node + " at block " + target + " after its " + component + " upgrade", COMMIT,
                () -> rpcs.get(node).blockNumber() >= target ? Boolean.TRUE : null);
        long before = accepted.size();
        await("transfers accepted after upgrading " + component + " on node" + node, COMMIT,
                () -> accepted.size() >= before + 40 ? Boolean.TRUE : null);
        sampler.upgrading = -1;
        HeightSampler.Stall stall = sampler.longestStall(start, System.nanoTime());
        String line = String.format("node%d %-9s -> %s: paused %s ms, %s absent %s ms (%s); shell %d ms, peers back %d ms"
                + " after commit, caught up %d ms after; longest stall meanwhile %s", node, component, version, m.group(2),
                component, m.group(3), m.group(1), shellMs, (peersBack - switched) / 1_000_000,
                (System.nanoTime() - peersBack) / 1_000_000, stall);
        log(t0, line);
        return line;
    }

    /**
     * {@code cairn:verify-chain} on the node: the chain replayed from genesis, at least up to {@code height}, gives
     * every state root the node committed.
     */
    private String verifyChain(int node, long height) throws Exception {
        String out = chain.shell(node, "cairn:verify-chain");
        Matcher m = Pattern.compile("verified blocks 0\\.\\.(\\d+): every state root matches").matcher(out);
        assertTrue("verify-chain on node" + node + ":\n" + out, m.find());
        assertTrue("verify-chain on node" + node + " covered blocks 0.." + height + ": " + out,
                Long.parseLong(m.group(1)) >= height);
        return out;
    }

    /** Every other node connected to {@code node} and it to them, as their peer tables say. */
    private void awaitPeers(int node) {
        await("node" + node + " connected to its " + (NODES - 1) + " peers", COMMIT,
                () -> connectedPeers(node) >= NODES - 1 ? Boolean.TRUE : null);
        String id = nodeId(map(rpcs.get(node).call("getNodeInfo")).get("nodeId"));
        for (int i = 0; i < NODES; i++) {
            if (i != node) {
                int other = i;
                await("node" + other + " connected to node" + node + " again", COMMIT, () -> {
                    for (Object p : (List<?>) rpcs.get(other).call("getPeers")) {
                        Map<String, Object> peer = map(p);
                        if (id.equals(nodeId(peer.get("id"))) && Boolean.TRUE.equals(peer.get("connected"))) {
                            return Boolean.TRUE;
                        }
                    }
                    return null;
                });
            }
        }
    }

    private static String nodeId(Object hex) {
        String s = String.valueOf(java.util.Objects.requireNonNull(hex, "no node id")).toLowerCase(java.util.Locale.ROOT);
        return s.startsWith("0x") ? s.substring(2) : s;
    }

    /** The version of the bundle running the component, as getNodeInfo lists the engines. */
    private String engineVersion(int node, String component) {
        for (Object e : (List<?>) map(rpcs.get(node).call("getNodeInfo")).get("engines")) {
            Map<String, Object> engine = map(e);
            if (component.equals(engine.get("component")) && Boolean.TRUE.equals(engine.get("ready"))) {
                return String.valueOf(engine.get("version"));
            }
        }
        return null;
    }

    private int connectedPeers(int node) {
        int n = 0;
        for (Object p : (List<?>) rpcs.get(node).call("getPeers")) {
            if (Boolean.TRUE.equals(map(p).get("connected"))) {
                n++;
            }
        }
        return n;
    }

    /** The detail of node {@code n}'s network engine in getNodeInfo. */
    private String networkDetail(int n) {
        for (Object e : (List<?>) map(rpcs.get(n).call("getNodeInfo")).get("engines")) {
            if ("network".equals(map(e).get("component"))) {
                return String.valueOf(map(e).get("detail"));
            }
        }
        return "";
    }

    /** Every transfer has a status-0 receipt on every node; one thread per node. */
    private void awaitReceiptsEverywhere(Set<String> txs, ExecutorService pool) throws Exception {
        List<Future<?>> checks = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            int n = i;
            checks.add(pool.submit(() -> {
                for (String hash : txs) {
                    Map<String, Object> r = await("receipt of " + hash + " on node" + n, COMMIT, () -> rpcs.get(n).receipt(hash));
                    assertEquals("status of " + hash + " on node" + n, 0L, asLong(r.get("status")));
                }
                return null;
            }));
        }
        for (Future<?> f : checks) {
            f.get(COMMIT.toSeconds() * 2, TimeUnit.SECONDS);
        }
    }

    /**
     * Blocks 0..h, h the lowest head among the nodes, are numbered consecutively, each extends the one before,
     * and every node has the same hash and state root at each height. Returns h.
     */
    private long assertSameChain(ExecutorService pool) throws Exception {
        long common = Long.MAX_VALUE;
        for (RpcClient r : rpcs) {
            common = Math.min(common, r.blockNumber());
        }
        assertTrue("a chain beyond genesis", common > 0);
        long top = common;
        List<Future<List<String[]>>> fetches = new ArrayList<>();
        for (RpcClient r : rpcs) {
            fetches.add(pool.submit(() -> {
                List<String[]> blocks = new ArrayList<>();
                for (long h = 0; h <= top; h++) {
                    Map<String, Object> b = map(r.call("getBlockByNumber", h, false));
                    assertEquals("number of block " + h, h, asLong(b.get("number")));
                    blocks.add(new String[] {String.valueOf(b.get("hash")), String.valueOf(b.get("parentHash")),
                            String.valueOf(b.get("stateRoot"))});
                }
                return blocks;
            }));
        }
        List<List<String[]>> chains = new ArrayList<>();
        for (Future<List<String[]>> f : fetches) {
            chains.add(f.get(COMMIT.toSeconds(), TimeUnit.SECONDS));
        }
        for (long h = 0; h <= top; h++) {
            String[] first = chains.get(0).get((int) h);
            if (h > 0) {
                assertEquals("block " + h + " extends block " + (h - 1), chains.get(0).get((int) h - 1)[0], first[1]);
            }
            for (int n = 1; n < NODES; n++) {
                String[] other = chains.get(n).get((int) h);
                assertEquals("hash of block " + h + " on node" + n, first[0], other[0]);
                assertEquals("state root of block " + h + " on node" + n, first[2], other[2]);
            }
        }
        return top;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) java.util.Objects.requireNonNull(o, "null result");
    }

    /**
     * The chain's head as seen from the nodes not being upgraded, sampled every {@link #SAMPLE_MS}: the times at
     * which it advanced, from which the longest stall in any window is read.
     */
    final class HeightSampler {
        /** The node being upgraded (not asked), or -1. */
        volatile int upgrading = -1;
        private final List<long[]> advances = new ArrayList<>(); // {nanoTime, height}, guarded by this

        record Stall(long millis, long fromHeight, double atSeconds) {
            @Override
            public String toString() {
                return millis + " ms after block " + fromHeight + " (at " + String.format("%.1f", atSeconds) + " s)";
            }
        }

        void run(AtomicBoolean stop) throws InterruptedException {
            long last = -1;
            while (!stop.get()) {
                int skip = upgrading;
                long head = -1;
                for (int i = 0; i < NODES; i++) {
                    if (i != skip) {
                        try {
                            head = Math.max(head, rpcs.get(i).blockNumber());
                        } catch (RuntimeException e) {
                            // a node that does not answer this time counts as no news
                        }
                    }
                }
                if (head > last) {
                    last = head;
                    synchronized (this) {
                        advances.add(new long[] {System.nanoTime(), head});
                    }
                }
                Thread.sleep(SAMPLE_MS); // a sampling period, not synchronisation
            }
        }

        /** The longest interval in [from, to] with no new block, counting the open interval up to {@code to}. */
        synchronized Stall longestStall(long from, long to) {
            long prevAt = from;
            long prevHeight = -1;
            long worst = 0;
            long worstHeight = -1;
            long worstAt = from;
            for (long[] a : advances) {
                if (a[0] < from) {
                    prevHeight = a[1];
                    continue;
                }
                if (a[0] > to) {
                    break;
                }
                if (a[0] - prevAt > worst) {
                    worst = a[0] - prevAt;
                    worstHeight = prevHeight;
                    worstAt = prevAt;
                }
                prevAt = a[0];
                prevHeight = a[1];
            }
            if (to - prevAt > worst) {
                worst = to - prevAt;
                worstHeight = prevHeight;
                worstAt = prevAt;
            }
            return new Stall(worst / 1_000_000, worstHeight, (worstAt - t0) / 1e9);
        }
    }
}
