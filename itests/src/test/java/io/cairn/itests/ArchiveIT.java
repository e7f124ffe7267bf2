package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static io.cairn.itests.UpgradeIT.log;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Genesis;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.RpcError;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
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
import java.util.stream.Stream;
import org.junit.Test;

/**
 * A one-node RocksDB chain under a little load: {@code cairn archive} moves the cold blocks' bodies and receipts
 * into archive files while the node commits; RPC answers archived blocks and receipts as before and the hot store
 * shrinks; with the archive moved away RPC names it (-32033), put back it serves again; {@code cairn archive
 * restore} brings them back into the hot store; the node keeps committing throughout (docs/operations.md,
 * Archiving cold blocks).
 */
public class ArchiveIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final int MARGIN = 20;

    @Test
    public void coldBlocksAreArchivedServedNamedWhenMissingAndRestoredWhileTheNodeCommits() throws Exception {
        long t0 = System.nanoTime();
        Path work = ChainTestSupport.newWorkDirectory("archive");
        Path home = work.resolve("node").toAbsolutePath();
        int port = ChainTestSupport.freeLoopbackPort();
        int ssh = ChainTestSupport.freeLoopbackPort();
        RecoveryIT.Cairn cairn = new RecoveryIT.Cairn(work, home);
        cairn.ok("init", "--dir", home.toString(), "--rpc-port", String.valueOf(port), "--ssh-port", String.valueOf(ssh));
        // small blocks, often, and a small margin: a chain long enough to archive within seconds
        configure(home, "io.cairn.consensus.solo", Map.of("intervalMs", "50", "emptyBlocks", "true", "blockTxs", "40"));
        configure(home, "io.cairn.ledger", Map.of("archiveMargin", String.valueOf(MARGIN)));
        Path store = home.resolve("data/chain");
        ExecutorService pool = Executors.newFixedThreadPool(3);
        AtomicBoolean stop = new AtomicBoolean();
        boolean passed = false;
        try {
            RpcClient rpc = new RpcClient(port);
            cairn.start();
            Genesis genesis;
            try (Reader in = Files.newBufferedReader(home.resolve("etc/genesis.properties"), StandardCharsets.UTF_8)) {
                genesis = Genesis.read(in);
            }
            CryptoSuite suite = Suites.byName(genesis.suite());
            Address sink = Account.generate("sink", suite).address();
            Map<String, Boolean> accepted = new ConcurrentHashMap<>();
            AtomicLong retries = new AtomicLong();
            List<Future<?>> load = new ArrayList<>();
            for (String name : List.of("alice", "bob", "carol")) {
                Account from = Account.of(name, KeyFiles.read(home.resolve("keys/accounts/" + name + ".key")), suite);
                load.add(pool.submit(() -> {
                    UpgradeIT.send(rpc, suite, genesis.chainId(), from, sink, accepted, retries, stop);
                    return null;
                }));
            }
            await("a chain of 150 blocks", Duration.ofSeconds(40), () -> rpc.blockNumber() >= 150 ? Boolean.TRUE : null);
            long below = rpc.blockNumber() - MARGIN - 5;
            // a transaction committed in a block that will be archived, and what RPC answers for it now
            String tx = accepted.keySet().stream().filter(h -> {
                Map<String, Object> r = rpc.receipt(h);
                return r != null && asLong(r.get("blockNumber")) < below - 1;
            }).findFirst().orElseThrow(() -> new AssertionError("no transfer committed below block " + below));
            Map<String, Object> receipt = rpc.receipt(tx);
            long n = asLong(receipt.get("blockNumber"));
            Object block = rpc.call("getBlockByNumber", n, true);
            Object txByHash = rpc.call("getTransaction", tx);
            long hotBefore = size(store);
            log(t0, "chain at block " + rpc.blockNumber() + " under load; archiving below block " + below
                    + "; hot store " + hotBefore + " bytes");

            // ---- archive while the node commits
            Path arc = work.resolve("arc");
            long headBefore = rpc.blockNumber();
            String out = cairn.ok("archive", "--home", home.toString(), "--below", String.valueOf(below), "--to",
                    arc.toString());
            assertTrue(out, out.contains("archived blocks 1.." + (below - 1) + " ("));
            assertTrue(out, out.contains(" into " + arc + ": "));
            long hotAfter = size(store);
            System.out.println("ArchiveIT: hot store (RocksDB directory " + store + ") " + hotBefore + " bytes before, "
                    + hotAfter + " bytes after archiving blocks 1.." + (below - 1) + "; archive " + size(arc) + " bytes");
            // the bodies and receipts left the hot store (read from it beside the running node: the directory's size
            // under load is no measure, the node's new blocks and write-ahead log grow it meanwhile)
            try (org.rocksdb.Options o = new org.rocksdb.Options();
                    org.rocksdb.RocksDB db = org.rocksdb.RocksDB.openReadOnly(o, store.toString())) {
                for (long b = 1; b < below; b++) {
                    org.junit.Assert.assertNull("the body of archived block " + b + " in the hot store", db.get(body(b)));
                }
                org.junit.Assert.assertNull("the receipt of " + tx + " in the hot store", db.get(receiptKey(tx)));
                org.junit.Assert.assertNotNull("block " + below + "'s body stays", db.get(body(below)));
            }
            assertTrue("the node committed while it archived", rpc.blockNumber() > headBefore);
            assertEquals(block, rpc.call("getBlockByNumber", n, true));
            assertEquals(receipt, rpc.receipt(tx));
            assertEquals(txByHash, rpc.call("getTransaction", tx));
            log(t0, "archived; block " + n + ", its transaction and receipt answered as before");

            // ---- the archive moved away: a clear error naming it; put back: served again
            Path away = work.resolve("arc-away");
            Files.move(arc, away);
            String file;
            try (Stream<Path> files = Files.list(away)) {
                file = arc.resolve(files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".arc")).sorted()
                        .findFirst().orElseThrow()).toString();
            }
            try {
                rpc.call("getBlockByNumber", n, true);
                fail("block " + n + " served with its archive gone");
            } catch (RpcError e) {
                assertEquals(e.getMessage(), -32033, e.code);
                assertTrue(e.getMessage(), e.getMessage().contains("block " + n + " is archived in " + file
                        + " (blocks 1.."));
                assertTrue(e.getMessage(), e.getMessage().endsWith("), which is not readable: the file is missing"));
            }
            try {
                rpc.receipt(tx);
                fail("receipt served with its archive gone");
            } catch (RpcError e) {
                assertEquals(e.getMessage(), -32033, e.code);
            }
            String list = cairn.ok("archive", "list", "--home", home.toString());
            assertTrue(list, list.contains(": NOT READABLE: the file is missing"));
            Files.move(away, arc);
            assertEquals(block, rpc.call("getBlockByNumber", n, true));
            assertEquals(receipt, rpc.receipt(tx));
            log(t0, "archive moved away: -32033 naming it; put back: served");

            // ---- restore: back in the hot store, served without the archive
            String restored = cairn.ok("archive", "restore", "--home", home.toString());
            assertTrue(restored, restored.contains("restored blocks 1.." + (below - 1) + " ("));
            Files.move(arc, away);
            assertEquals(block, rpc.call("getBlockByNumber", n, true));
            assertEquals(receipt, rpc.receipt(tx));
            assertTrue(cairn.ok("archive", "list", "--home", home.toString()).contains("no blocks are archived on this node"));
            long h = rpc.blockNumber();
            await("the node still committing", WAIT, () -> rpc.blockNumber() > h + 5 ? Boolean.TRUE : null);
            stop.set(true);
            for (Future<?> f : load) {
                f.get(60, TimeUnit.SECONDS);
            }
            log(t0, "restored; served from the hot store; still committing at block " + rpc.blockNumber()
                    + " (" + accepted.size() + " transfers sent)");
            passed = true;
        } finally {
            stop.set(true);
            pool.shutdownNow();
            cairn.stop();
            if (!passed) {
                System.out.println(cairn.diagnostics());
            }
        }
    }

    /** Sets properties of {@code etc/<pid>.cfg}, keeping the others. */
    static void configure(Path home, String pid, Map<String, String> values) throws IOException {
        Path cfg = home.resolve("etc").resolve(pid + ".cfg");
        List<String> lines = new ArrayList<>();
        if (Files.exists(cfg)) {
            for (String line : Files.readAllLines(cfg, StandardCharsets.UTF_8)) {
                String key = line.split("=", 2)[0].strip();
                if (!values.containsKey(key)) {
                    lines.add(line);
                }
            }
        }
        values.forEach((k, v) -> lines.add(k + "=" + v));
        Files.write(cfg, lines, StandardCharsets.UTF_8);
    }

    /** Bytes of the files under {@code dir}. */
    static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException gone) {
                    return 0; // a file RocksDB deleted while we walked
                }
            }).sum();
        }
    }

    /** The block store's key of block n's body: {@code 'c' 'b' u64}. */
    private static byte[] body(long n) {
        return java.nio.ByteBuffer.allocate(10).put((byte) 'c').put((byte) 'b').putLong(n).array();
    }

    /** The block store's key of a receipt: {@code 'c' 'r' txHash}. */
    private static byte[] receiptKey(String txHash) {
        byte[] h = io.cairn.api.chain.Bytes.fromHex(txHash);
        return java.nio.ByteBuffer.allocate(2 + h.length).put((byte) 'c').put((byte) 'r').put(h).array();
    }
}
