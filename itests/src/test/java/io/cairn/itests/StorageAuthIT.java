package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static io.cairn.itests.UpgradeIT.log;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.cairn.itests.ChainTestSupport.RpcClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * A storage cluster with authentication ({@code cairn storage up --auth}): the cluster's password is made at its
 * first start and the launcher's own commands log in with it; a node given a wrong password says so in its log and
 * waits, and once the operator puts the right password in its file the node logs in, starts and commits.
 */
public class StorageAuthIT {
    /** Dedicated loopback ports: clients 27860, discovery 27960, communication 28060. */
    static final int PORT = StorageClusterIT.PORT + 60;

    @Test
    public void aClusterWithAuthenticationLetsInOnlyTheNodeWithItsPassword() throws Exception {
        long t0 = System.nanoTime();
        Path work = ChainTestSupport.newWorkDirectory("storage-auth");
        Path dir = work.resolve("cluster");
        CrashRecoveryIT.Launcher cairn = new CrashRecoveryIT.Launcher(work, work.resolve("no-home"));
        Path home = work.resolve("node");
        CrashRecoveryIT.Launcher node = new CrashRecoveryIT.Launcher(work, home);
        boolean up = false;
        boolean passed = false;
        FutureTask<Long> start = null;
        try {
            String out = cairn.run("storage", "up", "--servers", "1", "--auth", "--dir", dir.toString(), "--port",
                    Integer.toString(PORT));
            up = true;
            Path password = dir.resolve("password");
            assertTrue(out, out.contains("the superuser ignite now has the password in " + password));
            assertTrue(out, out.contains("storage cluster active: 1 servers"));
            out = cairn.run("storage", "status", "--dir", dir.toString());
            assertTrue(out, out.contains("active, 1 of 1 servers in the topology"));
            log(t0, "a cluster with authentication up; storage status logs in with " + password);

            Path given = work.resolve("node-password");
            Files.writeString(given, "not-the-password\n", StandardCharsets.UTF_8);
            int base = ChainTestSupport.freeLoopbackPorts(2);
            out = node.run("init", "--profile", "solo-ignite", "--storage-endpoints", "127.0.0.1:" + PORT,
                    "--storage-password-file", given.toString(), "--dir", home.toString(), "--rpc-port",
                    Integer.toString(base), "--ssh-port", Integer.toString(base + 1));
            assertTrue(out, out.contains("engines solo-ignite"));
            start = new FutureTask<>(() -> node.startDetached(-1, Duration.ofSeconds(180)));
            Thread starting = new Thread(start, "start the node");
            starting.setDaemon(true);
            starting.start();
            Path nodeLog = home.resolve("logs/node.log");
            String refused = await("the node saying the cluster refused its password", Duration.ofSeconds(90), () -> {
                try {
                    return Files.exists(nodeLog) ? Files.readAllLines(nodeLog, StandardCharsets.UTF_8).stream()
                            .filter(l -> l.contains("storage-ignite: waiting for the storage cluster")
                                    && l.contains("the cluster refused the credentials of user ignite with the "
                                            + "password in " + given))
                            .findFirst().orElse(null) : null;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertTrue(refused, !start.isDone());
            log(t0, "wrong password: " + refused.strip());

            // the operator puts the cluster's password in the node's file: no restart
            Files.copy(password, given, StandardCopyOption.REPLACE_EXISTING);
            start.get(200, TimeUnit.SECONDS);
            RpcClient rpc = new RpcClient(base);
            String hash = TransferLoad.sendOne(home, rpc, "alice");
            Map<String, Object> receipt = await("a transfer committed on the cluster", Duration.ofSeconds(60),
                    () -> rpc.receipt(hash));
            assertEquals(0L, asLong(receipt.get("status")));
            log(t0, "the right password: the node logged in and committed a transfer in block "
                    + asLong(receipt.get("blockNumber")));
            passed = true;
        } finally {
            if (start != null && !start.isDone()) {
                start.cancel(true);
            }
            if (!passed) {
                System.out.println(node.diagnostics());
            }
            node.stop();
            if (up) {
                cairn.attempt("storage", "down", "--dir", dir.toString());
            }
        }
    }
}
