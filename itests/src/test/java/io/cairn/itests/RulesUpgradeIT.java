package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.RpcError;
import io.cairn.itests.ChainTestSupport.SignedTransfer;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * A chain-wide upgrade on a real node, as an operator runs it (docs/upgrades.md): a ledger model jar of rules 2 is
 * refused as a local upgrade, proposed as a plan (one sealer: a quorum of one), and the node, without the jar,
 * runs up to the block before the plan's height and no further; once the jar is staged beside the old rules it
 * runs the height with the new rules, goes on across a restart, and verify-chain replays both.
 */
public class RulesUpgradeIT {
    static final Duration COMMIT = Duration.ofSeconds(30);
    static final int LEAD = 22;
    private static final Pattern PLAN = Pattern.compile("proposed plan (0x[0-9a-f]{64})");

    @Test
    public void aPlanSwitchesTheRulesAtItsHeightAndANodeWithoutTheJarWaitsForIt() throws Exception {
        Path work = ChainTestSupport.newWorkDirectory("rules-upgrade");
        Path home = work.resolve("node");
        int port = ChainTestSupport.freeLoopbackPort();
        int ssh = ChainTestSupport.freeLoopbackPort();
        CrashRecoveryIT.Launcher cairn = new CrashRecoveryIT.Launcher(work, home);
        cairn.run("init", "--dir", home.toString(), "--rpc-port", String.valueOf(port), "--ssh-port", String.valueOf(ssh));
        long pid = cairn.startDetached(-1);
        RpcClient rpc = new RpcClient(port);
        try {
            await("the chain", COMMIT, () -> rpc.blockNumber() >= 0 ? Boolean.TRUE : null);
            CryptoSuite suite = Suites.byName("secp256k1");
            long chainId = ChainTestSupport.asLong(((Map<?, ?>) rpc.call("getNodeInfo")).get("chainId"));
            Account alice = Account.of("alice", KeyFiles.read(home.resolve("keys/accounts/alice.key")), suite);
            Address sink = Account.generate("sink", suite).address();

            Path system = ChainTestSupport.runtimeDirectory().resolve("system");
            Path jar = rules2(system, work, "2.0.0");
            cairn.run("sign", "--home", home.toString(), jar.toString());

            // Another rules version is not a local upgrade, and a jar no plan names is not staged.
            String out = UpgradeIT.shell(cairn, home, "cairn:upgrade ledger-model " + jar);
            assertTrue(out, out.contains("REFUSED") && out.contains("computes with rules 2, the running engine")
                    && out.contains("propose it with cairn:propose-upgrade ledger-model JAR --at-height H"));
            out = cairn.attempt("shell", "--home", home.toString(), "-c", "cairn:stage " + jar);
            assertTrue(out, out.contains("no upgrade plan names jar hash"));

            // A plan too close to the head is refused by the pool; one far enough ahead is accepted at once.
            long head = rpc.blockNumber();
            out = cairn.attempt("shell", "--home", home.toString(), "-c",
                    "cairn:propose-upgrade ledger-model " + jar + " --at-height " + (head + 5));
            assertTrue(out, out.contains("is too close: this node takes plans at least 20 blocks ahead of its head"));
            long height = head + LEAD;
            out = UpgradeIT.shell(cairn, home, "cairn:propose-upgrade ledger-model " + jar + " --at-height " + height);
            Matcher m = PLAN.matcher(out);
            assertTrue(out, m.find());
            String plan = m.group(1);
            // in the block after the proposal's (the block being made), then accepted: one sealer is a quorum
            await("the plan accepted", COMMIT, () -> plan(rpc, plan) != null
                    && "accepted".equals(plan(rpc, plan).get("state")) ? Boolean.TRUE : null);
            assertEquals(false, plan(rpc, plan).get("installedHere"));

            // Transfers carry the chain to the block before the height; there the pool says why it takes none.
            long nonce = rpc.nonce(alice.address());
            RpcError waiting = null;
            while (waiting == null) {
                SignedTransfer t = ChainTestSupport.envelopeTransfer(suite, chainId, alice, nonce, sink, BigInteger.ONE);
                try {
                    rpc.call("sendTransaction", t.hex());
                } catch (RpcError e) {
                    waiting = e;
                    break;
                }
                nonce++;
                await("transfer " + t.hash(), COMMIT, () -> rpc.call("getTransactionReceipt", t.hash()));
                assertTrue("no block at or past the height without the new rules", rpc.blockNumber() < height);
            }
            assertEquals(height - 1, rpc.blockNumber());
            assertEquals(-32018, waiting.code);
            assertTrue(waiting.getMessage(), waiting.getMessage().contains("block " + height
                    + " runs the account ledger model with rules 2 (plan " + plan + ", jar "));
            assertTrue(waiting.getMessage(), waiting.getMessage().contains("which this node has not installed "
                    + "(installed: rules [1]): stage the plan's jar (cairn:stage) and the node goes on"));
            out = UpgradeIT.shell(cairn, home, "cairn:components");
            assertTrue(out, out.contains("rules") && out.contains("not installed"));

            // Given through the deploy folder, the jar is staged beside the old rules: the height runs with
            // rules 2, the node reports ready.
            Path deploy = Files.createDirectories(home.resolve("deploy"));
            Files.copy(Path.of(jar + ".sig"), deploy.resolve(jar.getFileName() + ".sig"));
            Files.copy(jar, deploy.resolve(jar.getFileName()));
            await("the deploy folder staging the jar", COMMIT, () -> Files.isRegularFile(deploy.resolve("staged")
                    .resolve(jar.getFileName())) ? Boolean.TRUE : null);
            String log = Files.readString(home.resolve("logs/node.log"));
            assertTrue(log, log.contains("deploy: " + jar.getFileName() + ": staged cairn-ledger-account 2.0.0")
                    && log.contains("reported ready"));
            SignedTransfer at = ChainTestSupport.envelopeTransfer(suite, chainId, alice, nonce++, sink, BigInteger.ONE);
            rpc.call("sendTransaction", at.hex());
            Map<?, ?> receipt = await("the transfer at the height", COMMIT,
                    () -> (Map<?, ?>) rpc.call("getTransactionReceipt", at.hash()));
            assertTrue(receipt.toString(), ChainTestSupport.asLong(receipt.get("blockNumber")) >= height);
            Map<?, ?> active = plan(rpc, plan);
            assertEquals("active", active.get("state"));
            assertEquals(1, ((List<?>) active.get("ready")).size());
            assertEquals(true, active.get("installedHere"));
            out = UpgradeIT.shell(cairn, home, "cairn:components");
            assertTrue(out, out.contains("ledger model account, rules 2"));
            out = UpgradeIT.shell(cairn, home, "cairn:verify-chain");
            assertTrue(out, out.contains("every state root matches"));

            // Across a restart both versions come back and the chain goes on with rules 2.
            cairn.stop();
            cairn.startDetached(pid);
            await("the chain again", COMMIT, () -> rpc.blockNumber() >= height ? Boolean.TRUE : null);
            SignedTransfer after = ChainTestSupport.envelopeTransfer(suite, chainId, alice, nonce, sink, BigInteger.ONE);
            sendUntilAccepted(rpc, after);
            await("a transfer after the restart", COMMIT, () -> rpc.call("getTransactionReceipt", after.hash()));
            out = UpgradeIT.shell(cairn, home, "cairn:components");
            assertTrue(out, out.contains("ledger model account, rules 2"));
            out = UpgradeIT.shell(cairn, home, "cairn:verify-chain");
            assertTrue(out, out.contains("every state root matches"));

            // A fix of rules 2 (2.0.1, the same rules) is a local upgrade: it retires 2.0.0 and leaves rules 1
            // installed for the blocks before the height.
            Path fix = rules2(system, work, "2.0.1");
            cairn.run("sign", "--home", home.toString(), fix.toString());
            out = UpgradeIT.shell(cairn, home, "cairn:upgrade ledger-model " + fix);
            assertTrue(out, out.contains("COMMITTED")
                    && out.contains("jar        cairn-ledger-account 2.0.1 (upgrade of cairn-ledger-account 2.0.0)"));
            out = UpgradeIT.shell(cairn, home, "cairn:engines");
            assertTrue(out, out.contains("installed  cairn-ledger-account 1.0.0")
                    && out.contains("installed  cairn-ledger-account 2.0.1")
                    && !out.contains("installed  cairn-ledger-account 2.0.0"));
            SignedTransfer fixed = ChainTestSupport.envelopeTransfer(suite, chainId, alice, nonce + 1, sink,
                    BigInteger.ONE);
            sendUntilAccepted(rpc, fixed);
            await("a transfer after the fix", COMMIT, () -> rpc.call("getTransactionReceipt", fixed.hash()));

            // Across a restart after the fix, rules 1 and the fixed rules 2 come back; old blocks still replay.
            long beforeRestart = rpc.blockNumber();
            cairn.stop();
            cairn.startDetached(-1);
            await("the chain after the restart", COMMIT, () -> rpc.blockNumber() >= beforeRestart ? Boolean.TRUE : null);
            out = UpgradeIT.shell(cairn, home, "cairn:engines");
            assertTrue(out, out.contains("installed  cairn-ledger-account 1.0.0")
                    && out.contains("installed  cairn-ledger-account 2.0.1")
                    && !out.contains("installed  cairn-ledger-account 2.0.0"));
            SignedTransfer last = ChainTestSupport.envelopeTransfer(suite, chainId, alice, nonce + 2, sink,
                    BigInteger.ONE);
            sendUntilAccepted(rpc, last);
            await("a transfer after the second restart", COMMIT, () -> rpc.call("getTransactionReceipt", last.hash()));
            out = UpgradeIT.shell(cairn, home, "cairn:verify-chain");
            assertTrue(out, out.contains("every state root matches"));
        } catch (Exception | AssertionError e) {
            System.out.println(cairn.diagnostics());
            throw e;
        } finally {
            cairn.stop();
        }
    }

    /** The account model's jar as {@code version}, declaring {@code Cairn-Rules: 2}, in {@code dir}. */
    private static Path rules2(Path system, Path dir, String version) throws IOException {
        return UpgradeIT.rewrite(system.resolve("cairn-ledger-account.jar"),
                dir.resolve("cairn-ledger-account-" + version + ".jar"), version, m -> {
                    m.getMainAttributes().putValue("Cairn-Rules", "2");
                    return m;
                }, (name, bytes) -> bytes);
    }

    /** Sends until the node takes it (right after a start its engines may still be coming up). */
    private static void sendUntilAccepted(RpcClient rpc, SignedTransfer t) {
        await("transfer " + t.hash() + " accepted", COMMIT, () -> {
            try {
                rpc.call("sendTransaction", t.hex());
                return Boolean.TRUE;
            } catch (RpcError e) {
                if (e.code == RpcClient.DUPLICATE) {
                    return Boolean.TRUE;
                }
                return null;
            }
        });
    }

    /** The plan as getUpgradePlans shows it, or null while it is not in a block. */
    static Map<?, ?> plan(RpcClient rpc, String id) {
        for (Object p : (List<?>) rpc.call("getUpgradePlans")) {
            if (id.equals(((Map<?, ?>) p).get("id"))) {
                return (Map<?, ?>) p;
            }
        }
        return null;
    }
}
