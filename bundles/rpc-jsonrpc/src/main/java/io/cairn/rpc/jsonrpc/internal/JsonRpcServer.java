package io.cairn.rpc.jsonrpc.internal;

import io.cairn.api.chain.ChainSpec;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Consensus;
import io.cairn.api.node.EngineInfo;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.RpcServer;
import io.cairn.api.node.TxPool;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.sync.BlockSync;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The rpc component: JSON-RPC 2.0 over HTTP, and the node's metrics at {@code GET /metrics}. Every other
 * component is an optional, dynamic reference: while one is absent (not deployed, or being swapped) the methods
 * that need it answer "not ready" at once. It owns its port, so an upgrade stops it before starting the next.
 */
@Component(immediate = true, service = {RpcServer.class, BlockListener.class}, configurationPid = "io.cairn.rpc",
        property = {io.cairn.api.node.Component.COMPONENT + "=rpc", io.cairn.api.node.Component.ENGINE + "=jsonrpc",
                io.cairn.api.node.Component.UPGRADE + "=" + io.cairn.api.node.Component.STOP_FIRST})
@Designate(ocd = JsonRpcServer.Config.class, factory = false)
public final class JsonRpcServer implements RpcServer, NodeServices, BlockListener {
    private static final long WORKER_STOP_MS = 3000;
    /** Blocks whose transaction hashes are kept from their commit: a few seconds' worth at tens of blocks a second. */
    static final int RECENT_BLOCKS = 64;

    private final RecentTxHashes recent = new RecentTxHashes(RECENT_BLOCKS);

    @Override
    public void blockCommitted(io.cairn.api.chain.Block block, io.cairn.api.chain.Hash blockHash,
            List<io.cairn.api.chain.Hash> txHashes) {
        recent.committed(blockHash, txHashes);
    }

    @Override
    public List<io.cairn.api.chain.Hash> recentTxHashes(io.cairn.api.chain.Hash block) {
        return recent.of(block);
    }

    @ObjectClassDefinition(name = "Cairn JSON-RPC server", description = "JSON-RPC 2.0 over HTTP (pid io.cairn.rpc)")
    public @interface Config {
        @AttributeDefinition(description = "Address to listen on")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "TCP port (20200 + node index); 0 picks a free port")
        int port() default 20200;

        @AttributeDefinition(description = "Largest request body in bytes; larger ones get HTTP 413")
        int maxRequestBytes() default 8388608;

        @AttributeDefinition(description = "Most calls in one batch request")
        int maxBatch() default 2000;

        @AttributeDefinition(description = "Netty event loop threads")
        int ioThreads() default 1;

        @AttributeDefinition(description = "Threads that parse requests and run the calls (signature checks)")
        int workerThreads() default 2;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile TxPool txPool;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockStore blockStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ChainRules ledgerModel;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Consensus consensus;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile NodeIdentity identity;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Network network;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockSync sync;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile PeerReputation reputation;

    /** A join by state sync in progress (the snapshot bundle), which getSyncStatus reports. */
    @Reference(service = java.util.function.Supplier.class, target = "(cairn.status=join)",
            cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile java.util.function.Supplier<java.util.Map<String, Object>> joinProgress;

    /** Every suite: a crypto engine may offer several, and the chain's is the one its spec names. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<CryptoSuite> suites = List.of();

    private final BundleContext context;
    private final ExecutorService workers;
    private final HttpTransport transport;
    /** The spec of the block store it was read from: read once per block store, not per call. */
    private volatile StoreSpec storeSpec;

    private record StoreSpec(BlockStore store, ChainSpec spec) {}

    /**
     * @param context null outside a framework (tests): the engine list is then empty
     * @param metrics the node's registry (the core bundle, never swapped): served at GET /metrics, and the
     *                server's own counters are kept there
     * @throws IllegalStateException naming host:port when the port cannot be bound
     */
    @Activate
    public JsonRpcServer(BundleContext context, Config config, @Reference(name = "metrics") Metrics metrics) {
        check(config);
        this.context = context;
        this.workers = workerPool(config.workerThreads());
        Map<String, RpcMethod> methods = new HashMap<>();
        new TransactionMethods(this).register(methods);
        new BlockMethods(this).register(methods);
        NodeMethods node = new NodeMethods(this);
        node.register(methods);
        new PeerMethods(this).register(methods);
        JsonRpcDispatcher dispatcher = new JsonRpcDispatcher(methods, new LedgerQueries(this), config.maxBatch(), workers,
                config.workerThreads(), metrics);
        HttpTransport.Handler handler = new HttpTransport.Handler() {
            @Override
            public java.util.concurrent.CompletableFuture<byte[]> rpc(byte[] body) {
                return dispatcher.handle(body);
            }

            @Override
            public byte[] health() {
                return dispatcher.toBytes(node.health());
            }

            @Override
            public byte[] metrics() throws IOException {
                ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
                metrics.scrape(out);
                return out.toByteArray();
            }

            @Override
            public byte[] error(int code, String message) {
                return dispatcher.errorBody(code, message);
            }
        };
        try {
            this.transport = new HttpTransport(config.host(), config.port(), config.maxRequestBytes(), config.ioThreads(),
                    workers, handler);
        } catch (RuntimeException e) {
            stopWorkers();
            throw e;
        }
    }

    private static void check(Config c) {
        if (c.port() < 0 || c.port() > 65535) {
            throw new IllegalArgumentException("io.cairn.rpc: port must be 0-65535, got " + c.port());
        }
        if (c.maxRequestBytes() < 1024) {
            throw new IllegalArgumentException("io.cairn.rpc: maxRequestBytes must be at least 1024, got " + c.maxRequestBytes());
        }
        if (c.maxBatch() < 1) {
            throw new IllegalArgumentException("io.cairn.rpc: maxBatch must be at least 1, got " + c.maxBatch());
        }
        if (c.ioThreads() < 1 || c.workerThreads() < 1) {
            throw new IllegalArgumentException("io.cairn.rpc: ioThreads and workerThreads must be at least 1, got "
                    + c.ioThreads() + " and " + c.workerThreads());
        }
    }

    private static ExecutorService workerPool(int threads) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "cairn-rpc-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    public void deactivate() {
        transport.close();
        stopWorkers();
    }

    private void stopWorkers() {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(WORKER_STOP_MS, TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** The bound port: the real one when the configuration asked for 0. */
    public int port() {
        return transport.port();
    }

    @Override
    public String endpoint() {
        return transport.isOpen() ? transport.endpoint() : null;
    }

    @Override
    public Health health() {
        return transport.isOpen() ? Health.ready("listening on " + transport.endpoint()) : Health.notReady("not listening");
    }

    @Override
    public TxPool txPool() {
        return txPool;
    }

    @Override
    public BlockStore blockStore() {
        return blockStore;
    }

    @Override
    public LedgerModel ledgerModel() {
        return ledgerModel;
    }

    @Override
    public Consensus consensus() {
        return consensus;
    }

    @Override
    public NodeIdentity identity() {
        return identity;
    }

    @Override
    public Network network() {
        return network;
    }

    @Override
    public BlockSync sync() {
        return sync;
    }

    @Override
    public java.util.Map<String, Object> join() {
        java.util.function.Supplier<java.util.Map<String, Object>> j = joinProgress;
        return j == null ? null : j.get();
    }

    @Override
    public PeerReputation reputation() {
        return reputation;
    }

    @Override
    public ChainSpec spec() {
        BlockStore store = blockStore;
        if (store == null) {
            return null;
        }
        StoreSpec cached = storeSpec;
        if (cached != null && cached.store == store) {
            return cached.spec;
        }
        ChainSpec spec = store.spec().orElse(null);
        if (spec != null) {
            storeSpec = new StoreSpec(store, spec);
        }
        return spec;
    }

    @Override
    public CryptoSuite suite() {
        ChainSpec spec = spec();
        if (spec == null) {
            return null;
        }
        for (CryptoSuite s : suites) {
            if (spec.usesSuite(s)) {
                return s;
            }
        }
        return null;
    }

    @Override
    public List<EngineInfo> engines() {
        return context == null ? List.of() : EngineInfo.list(context);
    }
}
