package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.SignedTransfer;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.Test;

/**
 * A real four-node PBFT chain on loopback, one process per node, made by {@code cairn init --nodes 4}:
 * a transfer sent to any node commits on all with identical block hashes and state roots; with one node
 * killed the chain goes on and the node catches up when restarted; with two killed the chain stops
 * without forking and resumes when one returns; killing the leader again and again, view changes keep
 * it going.
 */
public class ChainIT {
    static final int NODES = 4;
    static final Duration COMMIT = Duration.ofSeconds(45);
    static final List<String> ACCOUNTS = List.of("alice", "bob", "carol");

    private Path dir;
    private LocalChain chain;
    private List<RpcClient> rpcs;
    private CryptoSuite suite;
    private long chainId;
    private final Map<String, Long> nonces = new HashMap<>();
    private final Map<String, Account> accounts = new HashMap<>();
    private int sent;

    @Test
    public void fourNodesAgreeSurviveFailuresAndCatchUp() throws Exception {
        chain = LocalChain.init("chain", NODES);
        dir = chain.dir;
        rpcs = chain.rpcs;
        boolean passed = false;
        try {
            for (int i = 0; i < NODES; i++) {
                chain.start(i);
            }
            Map<String, Object> info = castMap(rpcs.get(0).call("getNodeInfo"));
            suite = Suites.byName((String) info.get("suite"));
            chainId = asLong(info.get("chainId"));
            for (String name : ACCOUNTS) {
                byte[] key = KeyFiles.read(dir.resolve("node0/keys/accounts/" + name + ".key"));
                accounts.put(name, Account.of(name, key, suite));
            }

            // 1. A transfer sent to any node commits on all, with the same blocks.
            List<SignedTransfer> txs = sendRoundRobin(12, List.of(0, 1, 2, 3));
            awaitReceipts(txs, List.of(0, 1, 2, 3));
            assertSameChain(List.of(0, 1, 2, 3));

            // 2. One node killed: the chain goes on; restarted, it catches up.
            chain.kill(3);
            txs = sendRoundRobin(8, List.of(0, 1, 2));
            awaitReceipts(txs, List.of(0, 1, 2));
            chain.start(3);
            long target = rpcs.get(0).blockNumber();
            await("node3 catches up to block " + target, COMMIT, () -> rpcs.get(3).blockNumber() >= target ? Boolean.TRUE : null);
            assertSameChain(List.of(0, 1, 2, 3));

            // 3. Two killed: no quorum, no block, no fork; one returns and the chain resumes.
            chain.kill(2);
            chain.kill(3);
            long stalled = rpcs.get(0).blockNumber();
            SignedTransfer waiting = next("alice", 0);
            assertEquals(waiting.hash(), rpcs.get(0).send(waiting));
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < until) {
                assertEquals("no block without a quorum", stalled, rpcs.get(0).blockNumber());
                assertEquals("no block without a quorum", stalled, rpcs.get(1).blockNumber());
                Thread.onSpinWait();
                java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
            }
            chain.start(2);
            awaitReceipts(List.of(waiting), List.of(0, 1, 2));
            chain.start(3);
            long target2 = rpcs.get(0).blockNumber();
            await("node3 catches up again", COMMIT, () -> rpcs.get(3).blockNumber() >= target2 ? Boolean.TRUE : null);
            assertSameChain(List.of(0, 1, 2, 3));

            // 4. The leader killed again and again: view changes keep the chain going.
            for (int round = 0; round < 2; round++) {
                int leader = leaderIndex();
                chain.kill(leader);
                List<Integer> alive = new ArrayList<>();
                for (int i = 0; i < NODES; i++) {
                    if (i != leader) {
                        alive.add(i);
                    }
                }
                txs = sendRoundRobin(4, alive);
                awaitReceipts(txs, alive);
                chain.start(leader);
            }
            long finalHeight = rpcs.get(0).blockNumber();
            for (int i = 0; i < NODES; i++) {
                int n = i;
                await("node" + n + " at block " + finalHeight, COMMIT,
                        () -> rpcs.get(n).blockNumber() >= finalHeight ? Boolean.TRUE : null);
            }
            assertSameChain(List.of(0, 1, 2, 3));

            // 5. Every node shows what it did in its metrics (GET /metrics, Prometheus text).
            double viewChanges = 0;
            for (int i = 0; i < NODES; i++) {
                String metrics = UpgradeIT.metrics(chain.rpcPort + i);
                for (String family : List.of("cairn_blocks_committed_total", "cairn_transactions_committed_total",
                        "cairn_block_height", "cairn_txpool_pending", "cairn_txpool_admitted_total",
                        "cairn_consensus_rounds_total", "cairn_consensus_view_changes_total", "cairn_consensus_view",
                        "cairn_sync_lag_blocks", "cairn_sync_blocks_applied_total", "cairn_peer_bans_total",
                        "cairn_peers_banned", "cairn_rpc_requests_total", "jvm_memory_used_bytes")) {
                    assertTrue("node" + i + " exposes " + family + ":\n" + metrics,
                            metrics.contains("\n" + family + " ") || metrics.contains("\n" + family + "{"));
                }
                assertTrue("node" + i + "'s block height metric", UpgradeIT.metric(metrics, "cairn_block_height") >= finalHeight);
                viewChanges += UpgradeIT.metric(metrics, "cairn_consensus_view_changes_total");
            }
            assertTrue("the view changes of step 4 are counted: " + viewChanges, viewChanges >= 1);
            System.out.printf("ChainIT: %d transfers committed identically on %d nodes, height %d%n", sent, NODES,
                    rpcs.get(0).blockNumber());
            passed = true;
        } finally {
            chain.stop(passed);
        }
    }

    /** The index of the node whose key is the current PBFT leader, asked of a live node. */
    private int leaderIndex() throws IOException {
        Map<String, Object> status = castMap(rpcs.get(0).call("getConsensusStatus"));
        String leader = String.valueOf(status.get("leader"));
        for (int i = 0; i < NODES; i++) {
            String pub = Files.readString(dir.resolve("node" + i + "/keys/node.pub"), StandardCharsets.US_ASCII).strip();
            if (pub.equalsIgnoreCase(leader)) {
                return i;
            }
        }
        fail("leader " + leader + " is none of the nodes");
        return -1;
    }

    private SignedTransfer next(String from, int via) {
        Account a = accounts.get(from);
        long nonce = nonces.computeIfAbsent(from, k -> rpcs.get(via).nonce(a.address()));
        nonces.put(from, nonce + 1);
        sent++;
        return ChainTestSupport.transfer(suite, chainId, a, nonce, Account.generate("to" + sent, suite).address(), BigInteger.ONE);
    }

    private List<SignedTransfer> sendRoundRobin(int count, List<Integer> via) {
        List<SignedTransfer> txs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int node = via.get(i % via.size());
            SignedTransfer tx = next(ACCOUNTS.get(i % ACCOUNTS.size()), node);
            assertEquals(tx.hash(), rpcs.get(node).send(tx));
            txs.add(tx);
        }
        return txs;
    }

    private void awaitReceipts(List<SignedTransfer> txs, List<Integer> nodes) {
        for (SignedTransfer tx : txs) {
            for (int n : nodes) {
                Map<String, Object> r = await("receipt of " + tx.hash() + " on node" + n, COMMIT, () -> rpcs.get(n).receipt(tx.hash()));
                assertEquals("status of " + tx.hash(), 0L, asLong(r.get("status")));
            }
        }
    }

    /** Block hashes and state roots agree on every listed node up to the lowest height among them. */
    private void assertSameChain(List<Integer> nodes) {
        long common = Long.MAX_VALUE;
        for (int n : nodes) {
            common = Math.min(common, rpcs.get(n).blockNumber());
        }
        assertTrue("a chain beyond genesis", common > 0);
        for (long h = 0; h <= common; h++) {
            Map<String, Object> first = castMap(rpcs.get(nodes.get(0)).call("getBlockByNumber", h, false));
            for (int n : nodes.subList(1, nodes.size())) {
                Map<String, Object> other = castMap(rpcs.get(n).call("getBlockByNumber", h, false));
                assertEquals("hash of block " + h + " on node" + n, first.get("hash"), other.get("hash"));
                assertEquals("state root of block " + h + " on node" + n, first.get("stateRoot"), other.get("stateRoot"));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) Objects.requireNonNull(o, "null result");
    }

    /** The first of {@code n} consecutive free loopback ports (see {@link ChainTestSupport#freeLoopbackPorts}). */
    static int freeRange(int n) {
        return ChainTestSupport.freeLoopbackPorts(n);
    }

}
