package io.cairn.launcher.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetachedNodeTest {
    @TempDir
    Path tmp;

    @Test
    void childRunsTheSameLauncherInTheForegroundWithNodeOptions() {
        NodeHome home = new NodeHome(tmp.resolve("n0"));
        RuntimeDir rt = new RuntimeDir(tmp.resolve("rt"));
        List<String> cmd = DetachedNode.command("/jdk/bin/java", "a.jar:b.jar", " -Dx=1  -Xlog:gc ", rt, home, "io.cairn.launcher.Main");
        List<String> expected = new java.util.ArrayList<>(List.of("/jdk/bin/java"));
        expected.addAll(DetachedNode.JVM_OPTIONS);
        expected.addAll(List.of("-Dx=1", "-Xlog:gc", "-Dcairn.runtime=" + rt.dir(), "-cp", "a.jar:b.jar", "io.cairn.launcher.Main",
                "start", "--home", home.dir().toString()));
        assertEquals(expected, cmd);
        assertTrue(cmd.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), "the ignite thin client needs its opens");
    }

    @Test
    void aChainNodesHomeCarriesItsJvmOptionsBeforeTheEnvironmentsOnes() throws Exception {
        NodeHome home = new NodeHome(tmp.resolve("n1"));
        RuntimeDir rt = new RuntimeDir(tmp.resolve("rt"));
        DetachedNode.writeChainNodeJvmOptions(home);
        List<String> cmd = DetachedNode.command("/jdk/bin/java", "a.jar", "-Dx=1", rt, home, "io.cairn.launcher.Main");
        int after = 1 + DetachedNode.JVM_OPTIONS.size();
        assertEquals(DetachedNode.JVM_OPTIONS, cmd.subList(1, after));
        assertEquals(List.of("-XX:-TieredCompilation", "-Dx=1"), cmd.subList(after, after + 2),
                "the environment's options come last, so they win");
        Files.writeString(home.etc().resolve("jvm.options"), "# a comment\n\n  -Xss2m   -Dy=2 \n");
        assertEquals(List.of("-Xss2m", "-Dy=2"), DetachedNode.homeJvmOptions(home));
        assertEquals(List.of(), DetachedNode.homeJvmOptions(new NodeHome(tmp.resolve("solo"))), "a home without the file");
    }

    @Test
    void frameworkPropertiesFollowTheNodeHome() {
        NodeHome home = new NodeHome(tmp.resolve("n0"));
        Map<String, String> daemon = FelixNode.frameworkProperties(home, false);
        assertEquals(home.dir().toString(), daemon.get("cairn.home"));
        assertEquals(home.data().resolve("felix-cache").toString(), daemon.get("org.osgi.framework.storage"));
        assertEquals(null, daemon.get("org.osgi.framework.storage.clean"), "the cache keeps upgraded engines across starts");
        assertEquals(home.etc().toString(), daemon.get("felix.fileinstall.dir"));
        assertEquals(".*\\.cfg", daemon.get("felix.fileinstall.filter"));
        assertEquals("--nointeractive", daemon.get("gosh.args"));
        assertEquals("false", daemon.get("felix.fileinstall.enableConfigSave"), "the operator's .cfg files are never written back");
        assertTrue(!FelixNode.frameworkProperties(home, true).containsKey("gosh.args"));
    }

    @Test
    void logTailStartsAtThisRun() throws Exception {
        Path log = tmp.resolve("node.log");
        Files.writeString(log, "old run\n");
        long from = Files.size(log);
        Files.writeString(log, "line1\nbundle x did not start\n", java.nio.file.StandardOpenOption.APPEND);
        String tail = DetachedNode.tail(log, from);
        assertTrue(tail.contains("bundle x did not start") && !tail.contains("old run"), tail);
    }

    @Test
    void theRefusalOfANodeIsFoundInItsLogFromThisStartOn() throws Exception {
        Path log = tmp.resolve("node.log");
        Files.writeString(log, "REFUSED: an older start's\n==== cairn start\n");
        long from = Files.size(log);
        Files.writeString(log, "bundle x started\nREFUSED: the state in the rocksdb store of home /h does not match\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertEquals("the state in the rocksdb store of home /h does not match", DetachedNode.refusal(log, from));
        assertEquals(null, DetachedNode.refusal(log, Files.size(log)));
    }

    @Test
    void theJoinsProgressLinesAreEchoedWholeAsTheyCome() throws Exception {
        Path log = tmp.resolve("node.log");
        Files.writeString(log, "join: an older start's\n");
        long from = Files.size(log);
        Files.writeString(log, "INFO: network up\njoin: manifest: waiting for a connected peer\njoin: chunks 1/",
                java.nio.file.StandardOpenOption.APPEND);
        List<String> echoed = new java.util.ArrayList<>();
        long next = DetachedNode.echo(log, from, echoed::add);
        assertEquals(List.of("manifest: waiting for a connected peer"), echoed, "whole lines only, prefix removed");
        Files.writeString(log, "2, 0.1 MB of 0.2 MB\n", java.nio.file.StandardOpenOption.APPEND);
        next = DetachedNode.echo(log, next, echoed::add);
        assertEquals("chunks 1/2, 0.1 MB of 0.2 MB", echoed.get(1), "a line written in two goes is echoed once whole");
        assertEquals(Files.size(log), next);
        assertEquals(next, DetachedNode.echo(log, next, echoed::add), "nothing new");
        assertEquals(2, echoed.size());
    }

    @Test
    void aJoiningChildGetsTheJoinOption() {
        NodeHome home = new NodeHome(tmp.resolve("n0"));
        List<String> cmd = DetachedNode.command("/jdk/bin/java", "a.jar", null, new RuntimeDir(tmp.resolve("rt")), home,
                "io.cairn.launcher.Main", List.of("--join"));
        assertEquals(List.of("start", "--home", home.dir().toString(), "--join"), cmd.subList(cmd.size() - 4, cmd.size()));
    }

    @Test
    void afterAJoinTheBundlesThatReadTheChainRestartAndTheCoreNetworkAndRpcStay() {
        for (String bsn : List.of("cairn-ledger", "cairn-executor", "cairn-rules", "cairn-storage-rocksdb",
                "cairn-ledger-account", "cairn-block-format", "cairn-snapshot", "cairn-shell")) {
            assertTrue(JoinAtStart.restarts(bsn, false, true), bsn);
        }
        assertEquals(false, JoinAtStart.restarts("cairn-core", false, true), "the stable core stays");
        assertEquals(false, JoinAtStart.restarts("cairn-admin", false, true));
        assertEquals(false, JoinAtStart.restarts("cairn-crypto", false, true));
        assertEquals(false, JoinAtStart.restarts("cairn-network-netty", true, true), "the network keeps its peers");
        assertEquals(false, JoinAtStart.restarts("cairn-api", false, false), "a library has nothing to restart");
        assertEquals(false, JoinAtStart.restarts("org.apache.felix.scr", false, false));
    }
}
