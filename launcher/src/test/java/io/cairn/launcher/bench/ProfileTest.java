package io.cairn.launcher.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileTest {
    @Test
    void statLinesAreReadWhateverTheThreadIsCalled() {
        // comm may hold spaces and parentheses: fields are counted after the last ')'
        String stat = "4242 (C2 Compiler (x)) S 1 4242 4242 0 -1 4194368 100 0 0 0 1234 56 0 0 20 0 40 0 100 0 0";
        Profile.ThreadTicks t = Profile.parseStat(stat).orElseThrow();
        assertEquals("C2 Compiler (x)", t.name());
        assertEquals(1234 + 56, t.ticks());
        assertTrue(Profile.parseStat("garbage").isEmpty());
        assertTrue(Profile.parseStat("1 (short) S 1 2").isEmpty());
    }

    @Test
    void threadsAreGroupedByComponentAndJob() {
        assertEquals("rpc", Profile.group("cairn-rpc-worker-3"));
        assertEquals("rpc", Profile.group("cairn-rpc-worke")); // /proc's 15 characters
        assertEquals("solo", Profile.group("cairn-solo-sealer"));
        assertEquals("txpool", Profile.group("cairn-txpool"));
        assertEquals("network", Profile.group("cairn-network-io-1-2"));
        assertEquals("jit", Profile.group("C2 CompilerThread0"));
        assertEquals("jit", Profile.group("C1 CompilerThre"));
        assertEquals("gc", Profile.group("GC Thread#1"));
        assertEquals("gc", Profile.group("G1 Refine#0"));
        assertEquals("rocksdb", Profile.group("rocksdb:low"));
        assertEquals("bench", Profile.group("bench-watcher"));
        assertEquals("http-client", Profile.group("HttpClient-1-SelectorManager"));
        assertEquals("other", Profile.group("Finalizer"));
    }

    @Test
    void onlyWhatEachLiveThreadUsedInTheWindowCounts() {
        Map<Long, Profile.ThreadTicks> before = Map.of(1L, new Profile.ThreadTicks("cairn-rpc-worker-1", 100),
                2L, new Profile.ThreadTicks("cairn-rpc-worker-2", 50), 3L, new Profile.ThreadTicks("GC Thread#0", 7));
        // thread 3 ended, thread 4 started in the window
        Map<Long, Profile.ThreadTicks> after = Map.of(1L, new Profile.ThreadTicks("cairn-rpc-worker-1", 160),
                2L, new Profile.ThreadTicks("cairn-rpc-worker-2", 70), 4L, new Profile.ThreadTicks("cairn-solo-sealer", 30));
        assertEquals(Map.of("rpc", 80L, "solo", 30L), Profile.groupTicks(before, after));
    }

    @Test
    void aThreadWaitingInNativeCodeIsNotWorking() {
        assertTrue(Profile.Samples.waiting("io.netty.channel.epoll.Native.epollWait"));
        assertTrue(Profile.Samples.waiting("sun.nio.ch.SocketDispatcher.read0"));
        assertTrue(Profile.Samples.waiting("sun.nio.ch.Net.accept"));
        assertFalse(Profile.Samples.waiting("fr.acinq.secp256k1.Secp256k1CFunctions.secp256k1_ecdsa_verify"));
        assertFalse(Profile.Samples.waiting("org.rocksdb.RocksDB.write0"));
    }

    @Test
    void thisProcessIsProfiledFromProcAndItsOwnRecording(@TempDir Path dir) throws Exception {
        long pid = ProcessHandle.current().pid();
        Profile p = new Profile(List.of(new Profile.Target("self", pid)), dir, System.out);
        p.startRecordings();
        p.windowStarts();
        long until = System.nanoTime() + 1_500_000_000L;
        long x = 0;
        while (System.nanoTime() < until) { // work the window can see
            x += Long.toString(x).hashCode();
        }
        p.windowEnds();
        Map<String, Object> r = p.report(1000);
        assertEquals(1000L, r.get("committedInWindow"));
        @SuppressWarnings("unchecked")
        Map<String, Object> self = ((List<Map<String, Object>>) r.get("processes")).get(0);
        assertEquals("self", self.get("name"));
        if (Files.isDirectory(Path.of("/proc/self/task"))) {
            assertTrue(((Number) self.get("cpuCores")).doubleValue() > 0.3, "cpu of a busy thread: " + self + x);
            assertTrue(((Number) self.get("cpuMicrosPerTx")).doubleValue() > 300, self.toString());
        }
        assertTrue(self.get("hotMethods") instanceof List<?> l && !l.isEmpty(), "hot methods from JFR: " + self);
        assertTrue(Files.size(dir.resolve("self.jfr")) > 0);
        String md = Profile.markdown(r);
        assertTrue(md.contains("## Where the time went") && md.contains("### self (pid " + pid + ")"), md);
    }
}
