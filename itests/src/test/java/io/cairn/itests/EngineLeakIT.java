package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.SignedTransfer;
import java.lang.ref.WeakReference;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The hot-swap contract (docs/architecture.md): an engine updated many times leaves no old class loader behind and its
 * threads go with it. Each engine that owns threads (the sealer, the pool's loop, Netty's event loops
 * and workers) is updated and refreshed 20 times in a running node; afterwards every old revision's
 * class loader is collectable, the thread count is back to its baseline, and the chain still commits.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EngineLeakIT {
    static final int UPDATES = 20;
    static final List<String> ENGINES = List.of("cairn-txpool", "cairn-consensus-solo", "cairn-rpc-jsonrpc");

    @Inject
    BundleContext context;

    @Configuration
    public Option[] configuration() throws Exception {
        return InFrameworkNode.options("leak");
    }

    @Test
    public void updatedEnginesLeaveNoClassLoaderOrThreadBehind() throws Exception {
        RpcClient rpc = InFrameworkNode.awaitReady(context);
        // The same work as at the end, first: the engines and the test's HTTP client start some threads only
        // once they are used (a second RPC worker, an I/O thread, an HttpClient worker), and the baseline must
        // hold those, or the live revisions' threads would be counted as leaked.
        transferAndAwaitReceipt(rpc, "carol");
        int baselineThreads = settledThreadCount();
        java.util.Set<String> baselineNames = threadNames();
        Map<String, List<WeakReference<ClassLoader>>> oldLoaders = new java.util.LinkedHashMap<>();
        for (String engine : ENGINES) {
            for (int i = 0; i < UPDATES; i++) {
                Bundle b = InFrameworkNode.installed(context, engine);
                oldLoaders.computeIfAbsent(engine, e -> new ArrayList<>())
                        .add(new WeakReference<>(b.adapt(BundleWiring.class).getClassLoader()));
                b.update();
                refresh(b);
                InFrameworkNode.awaitComponentsReady(context);
                rpc.blockNumber(); // each revision serves a request, so its request path is exercised too
            }
        }
        System.out.printf("updated %s %d times each%n", ENGINES, UPDATES);

        // Still a working chain after 60 swaps.
        transferAndAwaitReceipt(rpc, "dave");

        // The revision that booted with the node is judged apart: for cairn-rpc-jsonrpc it stays loaded
        // (see the closing note of issue 3: no strong heap path reaches it; the JVM keeps it). What must
        // never happen is growth: every revision made by an update is collected.
        Map<String, Long> alive = new java.util.LinkedHashMap<>();
        Map<String, Boolean> bootAlive = new java.util.LinkedHashMap<>();
        await("old class loaders collected", Duration.ofSeconds(30), () -> {
            System.gc();
            oldLoaders.forEach((engine, refs) -> {
                alive.put(engine, refs.stream().skip(1).filter(r -> r.get() != null).count());
                bootAlive.put(engine, refs.get(0).get() != null);
            });
            if (alive.values().stream().allMatch(n -> n == 0)) {
                return Boolean.TRUE;
            }
            throw new IllegalStateException("class loaders of updated revisions still reachable, per engine: " + alive);
        });
        System.out.printf("class loaders of %d updated revisions per engine collected; boot revision still loaded: %s%n",
                UPDATES - 1, bootAlive);
        int after;
        try {
            after = await("thread count back to its baseline " + baselineThreads, Duration.ofSeconds(30), () -> {
                int n = nodeThreadCount();
                return n <= baselineThreads ? Integer.valueOf(n) : null;
            });
        } catch (AssertionError e) {
            java.util.Set<String> extra = threadNames();
            extra.removeAll(baselineNames);
            throw new AssertionError(e.getMessage() + "; threads not there at the start: " + extra);
        }
        System.out.printf("threads: baseline %d, after %d updates %d%n", baselineThreads, UPDATES * ENGINES.size(), after);
        assertTrue(after <= baselineThreads);
    }

    /** Sends a transfer from alice over JSON-RPC and waits for its successful receipt. */
    private void transferAndAwaitReceipt(RpcClient rpc, String to) throws Exception {
        org.osgi.util.tracker.ServiceTracker<CryptoSuite, CryptoSuite> suites =
                new org.osgi.util.tracker.ServiceTracker<>(context, CryptoSuite.class, null);
        suites.open();
        CryptoSuite suite = suites.getService();
        suites.close();
        Account alice = Account.of("alice", Bytes.fromHex(System.getProperty(InFrameworkNode.P_KEYS).split(",")[0]), suite);
        SignedTransfer tx = ChainTestSupport.transfer(suite, InFrameworkNode.CHAIN_ID, alice, rpc.nonce(alice.address()),
                Account.generate(to, suite).address(), BigInteger.ONE);
        assertEquals(tx.hash(), rpc.send(tx));
        Map<String, Object> receipt = await("receipt of a transfer to " + to, Duration.ofSeconds(30), () -> rpc.receipt(tx.hash()));
        assertEquals(0L, ChainTestSupport.asLong(receipt.get("status")));
    }

    /** Refreshes one bundle and waits for the framework to say it is done. */
    private void refresh(Bundle b) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        assertTrue("refresh of " + b.getSymbolicName() + " finished", done.await(30, TimeUnit.SECONDS));
    }

    private static java.util.Set<String> threadNames() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            names.add(t.getName());
        }
        return names;
    }

    /**
     * The live threads but the test's own HTTP client's ({@code HttpClient-N-Worker-M}: the JDK client of
     * {@link RpcClient}; no bundle of the node uses java.net.http). That client keeps idle workers for a minute,
     * and under load the last transfer's polling can leave one or two more than at the start, which are not the
     * engines' and which this test would otherwise count as leaked.
     */
    private static int nodeThreadCount() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.getName().startsWith("HttpClient-")) {
                n++;
            }
        }
        return n;
    }

    /** The thread count once the node is idle: JSON-RPC and Felix start some threads lazily. */
    private static int settledThreadCount() {
        int[] last = {-1};
        return await("thread count settled", Duration.ofSeconds(20), () -> {
            int n = nodeThreadCount();
            boolean same = n == last[0];
            last[0] = n;
            return same ? Integer.valueOf(n) : null;
        });
    }
}
