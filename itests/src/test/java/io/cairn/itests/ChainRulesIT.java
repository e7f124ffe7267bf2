package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static io.cairn.itests.UpgradeIT.log;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.SignedTransfer;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Chain-wide rules changes on a real four-node PBFT chain ({@code cairn init --nodes 4}, one process per node)
 * under continuous transfers. First the account model's rules 2 (the same bundle declaring {@code Cairn-Rules: 2}
 * and {@code Cairn-Transfer-Fee: 1}) is proposed on node0, voted by node1 and node2 (3 of 4 sealers: 2f+1), and
 * staged on nodes 0-2 but not on node3. At the plan's height the three switch and the chain goes on; a transfer
 * before the height pays no fee and one after it pays 1; node3 stops at the block before the height and says why.
 * A jar whose hash no plan names is refused by {@code cairn:stage}; a plan that only its proposer voted for passes
 * its height without switching anything; node1, restarted after the switch, comes back on rules 2. Then two
 * components change at one height: the ledger model's rules 3 (a fee of 2) and the block format's rules 2 (the tagged
 * receipt tree), agreed and staged the same way; a transfer after that height pays 2, and the receipt roots are the
 * plain tree before it and the tagged tree from it. node3, given the first jar by {@code cairn:stage} and the others
 * through its deploy folder, catches up, agrees on every block hash and state root, and replays the whole chain with
 * each block's own ledger model and block format ({@code cairn:verify-chain}), again after a restart that brings
 * every version back. Last, two observers join: node4 with the plans' jars in its deploy folder and fetching from
 * peers off (it syncs from genesis, the deploy folder stages each jar once the node has synced its proposal), node5
 * with no jar at all (it fetches each accepted plan's jar from its peers); both end on the same chain.
 */
public class ChainRulesIT {
    static final int NODES = 4;
    static final Duration COMMIT = Duration.ofSeconds(45);
    /** The fewest blocks between a proposal and its height: the pool's minimum lead (20) and a margin. */
    static final int LEAD = 60;
    private static final Pattern PLAN = Pattern.compile("proposed plan (0x[0-9a-f]{64})");

    private LocalChain chain;
    private List<RpcClient> rpcs;
    private long t0;

    @Test
    public void aFeeActivatesAtItsHeightOnEveryNodeAndANodeWithoutTheJarWaitsThenAgrees() throws Exception {
        t0 = System.nanoTime();
        List<String> accounts = List.of("sender0", "sender1", "sender2", "probe");
        // node4 and node5 are observers that join once the rules have changed
        chain = LocalChain.init("chain-rules", NODES, 2, "--accounts", String.join(",", accounts));
        // node3 (which must wait without the jar) and node4 (deploy folder only) fetch no jar from their peers
        for (int n : new int[] {3, 4}) {
            Files.writeString(chain.homes.get(n).resolve("etc/io.cairn.admin.cfg"), "fetchPlanJars = false\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        rpcs = chain.rpcs.subList(0, NODES);
        Path work = chain.work;
        ExecutorService pool = Executors.newCachedThreadPool();
        AtomicBoolean stop = new AtomicBoolean();
        boolean passed = false;
        try {
            chain.startTogether(COMMIT.plusSeconds(30), NODES);
            CryptoSuite suite = chain.suite();
            long chainId = chain.chainId();
            Address sink = Account.generate("sink", suite).address();
            log(t0, "4-node chain started");

            // ---- load through nodes 0-2 (node3 will stop at the plan's height; its pool would refuse)
            Map<String, Boolean> accepted = new ConcurrentHashMap<>();
            AtomicLong retries = new AtomicLong();
            List<Future<?>> sending = chain.load(pool, accounts.subList(0, 3), sink, accepted, retries, stop);
            await("transfers flowing", COMMIT, () -> accepted.size() >= 100 ? Boolean.TRUE : null);

            // ---- rules 2: the account model charging a fee of 1; one jar, signed by each node's operator
            Path system = ChainTestSupport.runtimeDirectory().resolve("system");
            Path jars = Files.createDirectories(work.resolve("jars"));
            Path fee1 = feeJar(system, jars, "2.0.0", 2, 1);
            Account probe = chain.account("probe", suite);

            // the plan's height: far enough for the shell commands below at the rate blocks come; on two loaded
            // cores the six of them and the proposal's receipts took from 50 s to over 90 s when each was a JVM of its
            // own, a fraction of that since the tests run the shell in their JVM: 60 s of blocks leaves room
            long rate = blocksPerSecond();
            long height = rpcs.get(0).blockNumber() + Math.max(LEAD, rate * 60);
            log(t0, "load running at about " + rate + " blocks/s; proposing for height " + height);
            String out = chain.shell(0,
                    "cairn:propose-upgrade ledger-model " + chain.signedCopy(fee1, jars, 0) + " --at-height " + height);
            Matcher m = PLAN.matcher(out);
            assertTrue(out, m.find());
            String plan = m.group(1);
            // getUpgradePlans shows a pending proposal too; staging needs it in a block: the proposal's receipt
            for (RpcClient r : rpcs) {
                await("the proposal in a block", COMMIT, () -> r.receipt(plan));
            }

            // a jar no plan names (another fee) is refused, whatever signs it
            Path fee2 = feeJar(system, jars, "2.0.1", 2, 2);
            out = chain.attemptShell(1, "cairn:stage " + chain.signedCopy(fee2, jars, 1));
            assertTrue(out, out.contains("no upgrade plan names jar hash"));

            for (int n = 0; n < 3; n++) {
                out = chain.shell(n, "cairn:stage " + chain.signedCopy(fee1, jars, n));
                assertTrue(out, out.contains("staged cairn-ledger-account 2.0.0") && out.contains("installed [1, 2]"));
            }
            for (int n = 1; n < 3; n++) {
                out = chain.shell(n, "cairn:vote " + plan);
                assertTrue(out, out.contains("voted for plan " + plan));
            }
            await("the plan accepted (3 of 4 votes)", COMMIT,
                    () -> "accepted".equals(RulesUpgradeIT.plan(rpcs.get(0), plan).get("state")) ? Boolean.TRUE : null);
            log(t0, "plan " + plan + " accepted for height " + height + " at block " + rpcs.get(0).blockNumber());

            // ---- before the height: no fee
            long at0 = probePays(suite, chainId, probe, sink, 0, "before the height");
            assertTrue("the first probe transfer landed before the height: block " + at0, at0 < height);

            // ---- the height: nodes 0-2 switch and go on; node3 stops at height - 1 and says why
            await("nodes 0-2 past the height", Duration.ofSeconds(180), () -> minHeight(0, 3) >= height + 2 ? Boolean.TRUE
                    : null);
            assertEquals("node3 stopped before the height", height - 1, rpcs.get(3).blockNumber());
            out = chain.shell(3, "cairn:components");
            assertTrue(out, out.contains("not installed"));
            assertEquals("active", RulesUpgradeIT.plan(rpcs.get(0), plan).get("state"));

            // ---- a plan only its proposer votes for (rules 3, a fee of 3) passes its height and changes nothing
            Path fee3 = feeJar(system, jars, "3.0.0", 3, 3);
            // the rate is measured (3 s) and the jar signed before the head is read, so the lead is counted from
            // the head the proposal meets (a head read first was 6 blocks stale and the lead fell under 20)
            long lonelyRate = blocksPerSecond();
            Path fee3Signed = chain.signedCopy(fee3, jars, 0);
            long lonelyAt = rpcs.get(0).blockNumber() + Math.max(30, lonelyRate * 20);
            out = chain.shell(0, "cairn:propose-upgrade ledger-model " + fee3Signed + " --at-height " + lonelyAt);
            m = PLAN.matcher(out);
            assertTrue(out, m.find());
            String lonely = m.group(1);
            await("nodes 0-2 past the lonely plan's height", Duration.ofSeconds(180),
                    () -> minHeight(0, 3) >= lonelyAt + 2 ? Boolean.TRUE : null);
            Map<?, ?> lonelyPlan = RulesUpgradeIT.plan(rpcs.get(0), lonely);
            assertEquals("one vote of four: " + lonelyPlan, "expired", lonelyPlan.get("state"));
            out = chain.attemptShell(1, "cairn:stage " + chain.signedCopy(fee3, jars, 1));
            assertTrue(out, out.contains("plan " + lonely + " names it but is expired (height " + lonelyAt
                    + ", 1 of 3 votes): see cairn:plans"));
            for (int n = 0; n < 3; n++) {
                out = chain.shell(n, "cairn:components");
                assertTrue("node" + n + ":\n" + out, out.contains("ledger model account, rules 2")
                        && out.contains("transfer fee 1 (burned)"));
            }
            assertEquals("node3 still waits before the height", height - 1, rpcs.get(3).blockNumber());

            // ---- after the height: the fee is paid
            long at1 = probePays(suite, chainId, probe, sink, 1, "after the height");
            assertTrue("block " + at1, at1 >= height);
            log(t0, "probe paid 5 at block " + at0 + " and 5 + 1 at block " + at1);

            // ---- node1 restarted after the switch: both versions come back, it runs rules 2 and catches up
            chain.launchers.get(1).stop();
            chain.start(1);
            long others = Math.max(rpcs.get(0).blockNumber(), rpcs.get(2).blockNumber());
            await("node1 back at block " + others, Duration.ofSeconds(120),
                    () -> rpcs.get(1).blockNumber() >= others ? Boolean.TRUE : null);
            out = chain.shell(1, "cairn:components");
            assertTrue("node1 after its restart:\n" + out, out.contains("ledger model account, rules 2")
                    && out.contains("transfer fee 1 (burned)"));

            // ---- a second change, of two components at one height: the ledger model's rules 3 (a fee of 2) and the
            // block format's rules 2 (the tagged receipt tree), voted by nodes 0-2 and staged there; node3 still waits
            Path fee2of3 = feeJar(system, jars, "3.1.0", 3, 2);
            Path tagged = taggedFormatJar(system, jars);
            long rate2 = blocksPerSecond();
            long height2 = rpcs.get(0).blockNumber() + Math.max(LEAD, rate2 * 45);
            out = chain.shell(0,
                    "cairn:propose-upgrade ledger-model " + chain.signedCopy(fee2of3, jars, 0) + " --at-height " + height2);
            m = PLAN.matcher(out);
            assertTrue(out, m.find());
            String plan2 = m.group(1);
            out = chain.shell(0,
                    "cairn:propose-upgrade block-format " + chain.signedCopy(tagged, jars, 0) + " --at-height " + height2);
            m = PLAN.matcher(out);
            assertTrue(out, m.find());
            String formatPlan = m.group(1);
            for (int n = 0; n < 3; n++) {
                RpcClient r = rpcs.get(n);
                await("the second proposals in a block on node" + n, COMMIT,
                        () -> r.receipt(plan2) != null ? r.receipt(formatPlan) : null);
            }
            for (int n = 1; n < 3; n++) {
                for (String p : List.of(plan2, formatPlan)) {
                    out = chain.shell(n, "cairn:vote " + p);
                    assertTrue(out, out.contains("voted for plan " + p));
                }
            }
            for (int n = 0; n < 3; n++) {
                out = chain.shell(n, "cairn:stage " + chain.signedCopy(fee2of3, jars, n));
                assertTrue(out, out.contains("staged cairn-ledger-account 3.1.0") && out.contains("installed [1, 2, 3]"));
                out = chain.shell(n, "cairn:stage " + chain.signedCopy(tagged, jars, n));
                assertTrue(out, out.contains("staged cairn-block-format 2.0.0")
                        && out.contains("block-format rules installed [1, 2]"));
            }
            await("nodes 0-2 past the second height", Duration.ofSeconds(180),
                    () -> minHeight(0, 3) >= height2 + 2 ? Boolean.TRUE : null);
            long at2 = probePays(suite, chainId, probe, sink, 2, "after the second height");
            assertTrue("block " + at2, at2 >= height2);
            // the receipt root: the plain tree before the height, the tagged one from it
            assertEquals("block " + at1 + ", before the format plan", receiptRoots(rpcs.get(0), at1, suite)[0],
                    header(rpcs.get(0), at1).get("receiptRoot"));
            assertEquals("block " + at2 + ", after the format plan", receiptRoots(rpcs.get(0), at2, suite)[1],
                    header(rpcs.get(0), at2).get("receiptRoot"));
            for (int n = 0; n < 3; n++) {
                out = chain.shell(n, "cairn:components");
                assertTrue("node" + n + ":\n" + out, out.contains("ledger model account, rules 3; block format rules 2"));
            }
            log(t0, "plans " + plan2 + " and " + formatPlan + ": ledger-model rules 3 and block-format rules 2 from block "
                    + height2 + "; the probe paid 5 + 2 at block " + at2 + ", whose receipt root is the tagged tree");

            // ---- node3 given the jars: the first by cairn:stage, the second through its deploy folder (staged once
            // node3 has synced the second proposal); it runs both heights with their rules and catches up
            out = chain.shell(3, "cairn:stage " + chain.signedCopy(fee1, jars, 3));
            assertTrue(out, out.contains("staged cairn-ledger-account 2.0.0"));
            deployTo(3, chain.signedCopy(fee2of3, jars, 3));
            deployTo(3, chain.signedCopy(tagged, jars, 3));
            long target = rpcs.get(0).blockNumber();
            await("node3 caught up to block " + target, Duration.ofSeconds(120),
                    () -> rpcs.get(3).blockNumber() >= target ? Boolean.TRUE : null);

            stop.set(true);
            for (Future<?> f : sending) {
                f.get(COMMIT.toSeconds(), TimeUnit.SECONDS);
            }
            long common = sameChain(rpcs, target);
            String verified = chain.shell(3, "cairn:verify-chain").strip();
            Matcher v = Pattern.compile("verified blocks 0\\.\\.(\\d+): every state root matches").matcher(verified);
            assertTrue("verify-chain on node3:\n" + verified, v.find());
            assertTrue(verified, Long.parseLong(v.group(1)) >= common);

            // ---- node3 restarted holding three rule sets: all three come back, it runs rules 3 and still replays
            // the whole chain with each block's own rules
            chain.launchers.get(3).stop();
            chain.start(3);
            long before3 = rpcs.get(0).blockNumber();
            await("node3 back at block " + before3, Duration.ofSeconds(120),
                    () -> rpcs.get(3).blockNumber() >= before3 ? Boolean.TRUE : null);
            out = chain.shell(3, "cairn:components");
            assertTrue("node3 after its restart:\n" + out, out.contains("ledger model account, rules 3; block format "
                    + "rules 2") && out.contains("transfer fee 2") && out.contains("receipt tree tagged"));
            String again = chain.shell(3, "cairn:verify-chain").strip();
            v = Pattern.compile("verified blocks 0\\.\\.(\\d+): every state root matches").matcher(again);
            assertTrue("verify-chain on node3 after its restart:\n" + again, v.find());
            assertTrue(again, Long.parseLong(v.group(1)) >= common);
            log(t0, "node3 restarted with ledger-model rules 1, 2 and 3 and block-format rules 1 and 2 installed: back on "
                    + "rules 3 and 2; " + again);

            // ---- two more nodes join after both changes. node4 has the plans' jars in its deploy folder and fetches
            // none from peers (fetchPlanJars = false, above): it syncs from genesis, stages each jar
            // when it reaches its proposal, runs each height with its rules and agrees. node5 is given nothing: it
            // fetches each plan's jar from its peers (the plan's hash the authority) and agrees too.
            Path deploy = deployTo(4, chain.signedCopy(fee1, jars, 4));
            deployTo(4, chain.signedCopy(fee2of3, jars, 4));
            deployTo(4, chain.signedCopy(tagged, jars, 4));
            chain.start(4);
            chain.start(5);
            long head = rpcs.get(0).blockNumber();
            for (int n = 4; n < 6; n++) {
                RpcClient joiner = chain.rpcs.get(n);
                await("node" + n + " synced to block " + head, Duration.ofSeconds(120),
                        () -> joiner.blockNumber() >= head ? Boolean.TRUE : null);
                out = chain.shell(n, "cairn:components");
                assertTrue("node" + n + ":\n" + out, out.contains("ledger model account, rules 3; block format rules 2")
                        && out.contains("transfer fee 2"));
            }
            for (Path jar : List.of(fee1, fee2of3, tagged)) {
                assertTrue("the deploy folder staged " + jar.getFileName(),
                        Files.isRegularFile(deploy.resolve("staged").resolve(jar.getFileName())));
            }
            assertFalse("node4 fetched nothing", Files.exists(chain.homes.get(4).resolve("data/upgrades/fetched")));
            String log5 = Files.readString(chain.homes.get(5).resolve("logs/node.log"));
            for (Path jar : List.of(fee1, fee2of3, tagged)) {
                String hash = Bytes.toHex(suite.hash(Files.readAllBytes(jar)));
                assertTrue("node5 fetched jar " + hash + " from a peer:\n" + log5,
                        log5.contains("fetched jar " + hash));
                assertTrue(Files.isRegularFile(chain.homes.get(5).resolve("data/upgrades/fetched")
                        .resolve(hash.substring(2) + ".jar")));
            }
            long all = sameChain(chain.rpcs, head);
            log(t0, "node4 joined after three rules changes with the jars staged from deploy/, node5 with them fetched "
                    + "from peers: synced blocks 0.." + all + ", identical");
            log(t0, "RESULT " + accepted.size() + " transfers accepted under load; rules 2 from block " + height
                    + " and rules 3 with block-format rules 2 from block " + height2 + " on all four nodes; node3 waited at " + (height - 1)
                    + ", caught up, blocks 0.." + common + " identical; node3 " + verified);
            passed = true;
        } finally {
            stop.set(true);
            pool.shutdownNow();
            chain.stop(passed);
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Blocks per second on node0 over 3 s, at least 1. */
    private long blocksPerSecond() {
        long from = rpcs.get(0).blockNumber();
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(3).toNanos();
        await("3 s of blocks", COMMIT, () -> System.nanoTime() >= deadline ? Boolean.TRUE : null);
        long blocks = rpcs.get(0).blockNumber() - from;
        return Math.max(1, blocks * 1_000_000_000L / (System.nanoTime() - start) + 1);
    }

    /** The lowest head among nodes {@code from} to {@code to - 1}. */
    private long minHeight(int from, int to) {
        long min = Long.MAX_VALUE;
        for (int n = from; n < to; n++) {
            min = Math.min(min, rpcs.get(n).blockNumber());
        }
        return min;
    }

    private SignedTransfer transfer(CryptoSuite suite, long chainId, Account from, Address to, long value) {
        long nonce = rpcs.get(0).nonce(from.address());
        return ChainTestSupport.transfer(suite, chainId, from, nonce, to, BigInteger.valueOf(value));
    }

    /**
     * The probe sends 5 through node0 and its balance falls by 5 plus {@code fee}; returns the block that holds
     * the transfer.
     */
    private long probePays(CryptoSuite suite, long chainId, Account probe, Address sink, long fee, String when) {
        SignedTransfer t = transfer(suite, chainId, probe, sink, 5);
        BigInteger before = rpcs.get(0).balance(probe.address());
        rpcs.get(0).send(t);
        Map<?, ?> r = await("the probe's transfer " + when, COMMIT,
                () -> (Map<?, ?>) rpcs.get(0).call("getTransactionReceipt", t.hash()));
        assertEquals("value 5 and fee " + fee + " " + when, before.subtract(BigInteger.valueOf(5 + fee)),
                rpcs.get(0).balance(probe.address()));
        return asLong(r.get("blockNumber"));
    }

    /** The account model's jar declaring rules {@code rules} and a transfer fee of {@code fee}. */
    private static Path feeJar(Path system, Path jars, String version, int rules, int fee) throws IOException {
        return UpgradeIT.rewrite(system.resolve("cairn-ledger-account.jar"),
                jars.resolve("cairn-ledger-account-" + version + ".jar"), version, mf -> {
                    mf.getMainAttributes().putValue("Cairn-Rules", String.valueOf(rules));
                    mf.getMainAttributes().putValue("Cairn-Transfer-Fee", String.valueOf(fee));
                    return mf;
                }, (name, bytes) -> bytes);
    }

    /** The block format's jar declaring rules 2: the tagged receipt tree. */
    private static Path taggedFormatJar(Path system, Path jars) throws IOException {
        return UpgradeIT.rewrite(system.resolve("cairn-block-format.jar"), jars.resolve("cairn-block-format-2.0.0.jar"),
                "2.0.0", mf -> {
                    mf.getMainAttributes().putValue("Cairn-Rules", "2");
                    mf.getMainAttributes().putValue("Cairn-Receipt-Tree", "tagged");
                    return mf;
                }, (name, bytes) -> bytes);
    }

    private static Map<?, ?> header(RpcClient rpc, long block) {
        return (Map<?, ?>) rpc.call("getBlockByNumber", block, false);
    }

    /**
     * Block {@code block}'s receipt root computed from its receipts (docs/formats.md, Block header): {plain tree,
     * tagged tree}, as 0x hex.
     */
    private static String[] receiptRoots(RpcClient rpc, long block, CryptoSuite suite) {
        List<byte[]> leaves = new ArrayList<>();
        for (Object tx : (List<?>) header(rpc, block).get("transactions")) {
            Map<?, ?> r = (Map<?, ?>) rpc.call("getTransactionReceipt", tx);
            Receipt receipt = new Receipt(Hash.fromHex((String) r.get("transactionHash")), asLong(r.get("blockNumber")),
                    (int) asLong(r.get("transactionIndex")), Address.fromHex((String) r.get("from")),
                    Receipt.Status.of((int) asLong(r.get("status"))), (String) r.get("message"));
            leaves.add(suite.hash(receipt.encode()));
        }
        return new String[] {root(leaves, suite, false), root(leaves, suite, true)};
    }

    /** A Merkle root: pairs hashed, an odd last node carried up; tagged: leaves under 0x00, inner nodes under 0x01. */
    private static String root(List<byte[]> leaves, CryptoSuite suite, boolean tagged) {
        List<byte[]> level = new ArrayList<>();
        for (byte[] l : leaves) {
            level.add(tagged ? suite.hash(concat(new byte[] {0}, l)) : l);
        }
        while (level.size() > 1) {
            List<byte[]> up = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                up.add(i + 1 == level.size() ? level.get(i) : suite.hash(concat(tagged ? new byte[] {1} : new byte[0],
                        concat(level.get(i), level.get(i + 1)))));
            }
            level = up;
        }
        return Bytes.toHex(level.isEmpty() ? new byte[32] : level.get(0));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Puts a signed jar and its signature in node {@code n}'s deploy folder (the signature first); returns it. */
    private Path deployTo(int n, Path signed) throws IOException {
        Path deploy = Files.createDirectories(chain.homes.get(n).resolve("deploy"));
        Files.copy(Path.of(signed + ".sig"), deploy.resolve(signed.getFileName() + ".sig"));
        Files.copy(signed, deploy.resolve(signed.getFileName()));
        return deploy;
    }

    /** Blocks 0..h (h at least {@code atLeast}) have the same hash and state root on every one of {@code nodes}. */
    static long sameChain(List<RpcClient> nodes, long atLeast) {
        long common = Long.MAX_VALUE;
        for (RpcClient r : nodes) {
            common = Math.min(common, r.blockNumber());
        }
        assertTrue(common >= atLeast);
        for (long h = 0; h <= common; h++) {
            Map<?, ?> first = (Map<?, ?>) nodes.get(0).call("getBlockByNumber", h, false);
            for (int n = 1; n < nodes.size(); n++) {
                Map<?, ?> other = (Map<?, ?>) nodes.get(n).call("getBlockByNumber", h, false);
                assertEquals("hash of block " + h + " on node" + n, first.get("hash"), other.get("hash"));
                assertEquals("state root of block " + h + " on node" + n, first.get("stateRoot"), other.get("stateRoot"));
            }
        }
        return common;
    }
}
