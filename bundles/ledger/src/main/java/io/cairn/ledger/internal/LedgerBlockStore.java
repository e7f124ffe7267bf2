package io.cairn.ledger.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Receipt;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.HeadMovedException;
import io.cairn.api.node.NotReadyException;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The block store over the storage component. Commits come from one thread (consensus) and reads from
 * many (RPC): the head is one immutable record behind a volatile field, published only after the batch
 * that made it is durable, so a reader never sees a head whose block is not in storage.
 */
@Component(immediate = true, service = BlockStore.class, configurationPid = "io.cairn.ledger",
        property = {"cairn.component=ledger", "cairn.engine=blockstore", "cairn.upgrade=blue-green"})
@Designate(ocd = LedgerBlockStore.Config.class, factory = false)
public final class LedgerBlockStore implements BlockStore {
    private static final System.Logger LOG = System.getLogger(LedgerBlockStore.class.getName());

    @ObjectClassDefinition(name = "Cairn block store", description = "Blocks, transactions and receipts in storage")
    public @interface Config {
        @AttributeDefinition(description = "Recent block headers (with their hashes) kept in memory")
        int headerCache() default 1024;

        @AttributeDefinition(description = "Blocks before the head that cairn:archive never archives: BELOW may be "
                + "at most the head minus this (docs/operations.md, Archiving cold blocks)")
        int archiveMargin() default 1000;
    }

    /** The latest committed block; {@link #NONE} before genesis. */
    private record Head(long number, Hash hash, BlockHeader header, long totalTxs) {}

    private static final Head NONE = new Head(-1, Hash.ZERO, null, 0);

    private final HeaderCache headers;
    /** Blocks whose bodies and receipts are in archive files (docs/operations.md, Archiving cold blocks). */
    private final Archives archives = new Archives();
    private final int archiveMargin;
    private final List<BlockListener> listeners = new CopyOnWriteArrayList<>();
    private volatile Storage storage;
    private volatile CryptoSuite suite;
    private volatile Head head = NONE;
    /** Why the head could not be read from storage; commits are refused until a storage that reads binds. */
    private volatile String broken;
    /**
     * When reading the head failed because the storage did not answer (a {@link NotReadyException}, not bad data):
     * the {@code System.nanoTime()} from which it is read again; 0 when there is nothing to retry.
     */
    private volatile long retryAt;
    /** How long after a failed read of the head it is read again (tests shorten it). */
    long retryNanos = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
    private volatile Genesis genesis;
    private volatile ChainSpec spec;
    /** The block a snapshot import made the head, or -1: the blocks between 0 and it are not held. */
    private volatile long joined = -1;

    /** Null in unit tests, which add listeners directly. */
    private final org.osgi.util.tracker.ServiceTracker<BlockListener, BlockListener> listenerTracker;

    /**
     * Listeners are tracked, not DS references: the txpool is a BlockListener that itself references
     * the BlockStore, and a DS reference in each direction made SCR report a service cycle and leave
     * the pool waiting for the store, depending on activation order.
     */
    @Activate
    public LedgerBlockStore(Config config, org.osgi.framework.BundleContext context) {
        this(config.headerCache(), config.archiveMargin(), context);
    }

    private org.osgi.util.tracker.ServiceTracker<BlockListener, BlockListener> track(
            org.osgi.framework.BundleContext context) {
        var tracker = new org.osgi.util.tracker.ServiceTracker<BlockListener, BlockListener>(context, BlockListener.class,
                null) {
            @Override
            public BlockListener addingService(org.osgi.framework.ServiceReference<BlockListener> ref) {
                BlockListener l = context.getService(ref);
                if (l != null) {
                    addListener(l);
                }
                return l;
            }

            @Override
            public void removedService(org.osgi.framework.ServiceReference<BlockListener> ref, BlockListener l) {
                removeListener(l);
                context.ungetService(ref);
            }
        };
        tracker.open();
        return tracker;
    }

    @org.osgi.service.component.annotations.Deactivate
    void deactivate() {
        if (listenerTracker != null) {
            listenerTracker.close();
        }
        archives.closeAll();
    }

    LedgerBlockStore(int headerCache) {
        this(headerCache, 1000, null);
    }

    LedgerBlockStore(int headerCache, int archiveMargin) {
        this(headerCache, archiveMargin, null);
    }

    private LedgerBlockStore(int headerCache, int archiveMargin, org.osgi.framework.BundleContext context) {
        if (archiveMargin < 0) {
            throw new IllegalArgumentException("archiveMargin must be 0 or more, got " + archiveMargin);
        }
        headers = new HeaderCache(headerCache);
        this.archiveMargin = archiveMargin;
        listenerTracker = context == null ? null : track(context);
    }

    // SCR binds a replacement before unbinding the old one (GREEDY), so the store never loses its storage
    // on a blue/green swap; the head is re-read because the new storage may hold a different chain.
    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindStorage(Storage s) {
        storage = s;
        reload();
    }

    synchronized void unbindStorage(Storage s) {
        if (storage == s) {
            storage = null;
            head = NONE;
            genesis = null; // the next storage may hold another chain
            spec = null;
            headers.clear();
            archives.clear();
        }
    }

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindSuite(CryptoSuite s) {
        suite = s;
        reload();
    }

    synchronized void unbindSuite(CryptoSuite s) {
        if (suite == s) {
            suite = null;
        }
    }

    void addListener(BlockListener l) {
        listeners.add(l);
    }

    void removeListener(BlockListener l) {
        listeners.remove(l);
    }

    private void reload() {
        Storage s = storage;
        CryptoSuite c = suite;
        headers.clear();
        genesis = null;
        spec = null;
        archives.clear();
        if (s == null || c == null) {
            return;
        }
        try {
            head = readHead(s, c);
            archives.load(s);
            byte[] j = s.get(ChainKeys.JOINED);
            joined = j == null ? -1 : ChainKeys.u64(j, "joined block");
            broken = null;
            retryAt = 0;
            if (head.number >= 0) {
                LOG.log(Level.INFO, "block store on {0} storage: height {1}", s.engine(), head.number);
            }
        } catch (RuntimeException e) {
            head = NONE;
            boolean transientFailure = e instanceof NotReadyException;
            // a storage that did not answer may answer later (a cluster busy creating caches): read it again then
            retryAt = transientFailure ? Math.max(1, System.nanoTime() + retryNanos) : 0;
            broken = "cannot read the chain head from " + s.engine() + " storage: " + e.getMessage()
                    + (transientFailure ? " (read again every " + retryNanos / 1_000_000 + " ms)" : "");
            LOG.log(transientFailure ? Level.WARNING : Level.ERROR, broken, e);
        }
    }

    /** Why the store cannot serve, or null; reads the head again first when a transient failure is due a retry. */
    private String broken() {
        if (broken != null && retryAt != 0 && System.nanoTime() - retryAt >= 0) {
            synchronized (this) {
                if (broken != null && retryAt != 0 && System.nanoTime() - retryAt >= 0) {
                    reload();
                }
            }
        }
        return broken;
    }

    private static Head readHead(Storage s, CryptoSuite c) {
        byte[] h = s.get(ChainKeys.HEAD);
        if (h == null) {
            return NONE;
        }
        long n = ChainKeys.u64(h, "head number");
        byte[] hb = s.get(ChainKeys.header(n));
        if (hb == null) {
            throw new MalformedDataException("the head is block " + n + " but its header is missing");
        }
        byte[] t = s.get(ChainKeys.TOTAL_TXS);
        long total = t == null ? 0 : ChainKeys.u64(t, "total transaction count");
        return new Head(n, c.digest(hb), BlockHeader.decode(hb), total);
    }

    @Override
    public Health health() {
        Storage s = storage;
        if (s == null) {
            return Health.notReady("no storage");
        }
        if (suite == null) {
            return Health.notReady("no crypto suite");
        }
        String b = broken();
        if (b != null) {
            return Health.notReady(b);
        }
        Optional<ChainSpec> chain = head.number < 0 ? Optional.empty() : spec();
        if (chain.isPresent() && !chain.get().usesSuite(suite)) {
            return Health.notReady("the crypto suite is " + suite.name() + " but the chain's genesis names "
                    + chain.get().suite());
        }
        long n = head.number;
        return n < 0 ? Health.notReady("no genesis block yet") : Health.ready("height " + n);
    }

    @Override
    public synchronized Block commit(ExecutedBlock executed, List<byte[]> seals) {
        Storage s = requireStorage();
        CryptoSuite c = requireSuite();
        String b = broken();
        if (b != null) {
            throw new NotReadyException("block store not ready: " + b);
        }
        BlockHeader h = executed.header();
        Head current = head;
        long expected = current.number + 1;
        if (h.number() != expected) {
            throw new HeadMovedException(current.number, "block " + h.number() + " does not extend the head: expected number "
                    + expected + ", got " + h.number());
        }
        if (!h.parentHash().equals(current.hash)) {
            throw new HeadMovedException(current.number, "block " + h.number() + " does not extend the head: expected parent hash "
                    + current.hash + (current.number < 0 ? " (genesis)" : " (block " + current.number + ")")
                    + ", got " + h.parentHash());
        }
        if (expected == 0 && s.get(ChainKeys.HEAD) != null) {
            // The cached head said empty but storage disagrees: never overwrite an existing chain.
            throw new HeadMovedException(current.number, "block 0 does not extend the head: the storage already holds a chain");
        }
        CommitBatch.Built built = CommitBatch.build(executed, seals, current.totalTxs, s, c);
        Hash hash = built.hash();
        List<byte[]> sealList = built.seals();
        List<Hash> txHashes = built.txHashes();
        long total = built.total();
        s.write(built.batch());

        head = new Head(h.number(), hash, h, total);
        headers.put(h.number(), new HeaderCache.Entry(h, hash));
        Block block = executed.seal(sealList);
        // Listeners run under the commit lock so that each sees blocks in order; they must be quick.
        for (BlockListener l : listeners) {
            try {
                l.blockCommitted(block, hash, txHashes, executed.stateWrites());
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, "block listener " + l.getClass().getName() + " failed on block "
                        + h.number() + "; the block is committed", e);
            }
        }
        return block;
    }

    @Override
    public OptionalLong joinedAt() {
        long j = joined;
        return j < 0 ? OptionalLong.empty() : OptionalLong.of(j);
    }

    @Override
    public synchronized void importHead(BlockHeader header, List<byte[]> seals) {
        ChainImport.requireNew(head.number);
        boolean whole = new ChainImport(requireStorage(), requireSuite(), spec().orElseThrow()).head(header);
        reload();
        LOG.log(Level.INFO, "block store: " + (whole ? "took the chain up to" : "joined the chain at")
                + " block {0} ({1}) from a snapshot; {2} seals checked by the import", header.number(), head.hash,
                seals.size());
    }

    @Override
    public synchronized void importBlocks(List<Block> blocks, List<List<Receipt>> receipts) {
        ChainImport.requireNew(head.number);
        new ChainImport(requireStorage(), requireSuite(), spec().orElseThrow()).blocks(blocks, receipts);
    }

    @Override
    public synchronized long importHistory(List<Block> blocks, List<List<Receipt>> receipts) {
        long j = joined;
        if (j < 0) {
            throw new IllegalStateException("this store holds its chain from genesis: it has no history to import");
        }
        Storage s = requireStorage();
        CryptoSuite c = requireSuite();
        Hash held = hash(j).orElseThrow(() -> new IllegalStateException("block " + j + " is not held"));
        long last = new ChainImport(s, c, spec().orElseThrow()).history(blocks, receipts, j, held, head.totalTxs);
        if (last == j) {
            joined = -1;
            head = readHead(s, c);
            LOG.log(Level.INFO, "block store: the history 1..{0} is written: the store holds the whole chain", j);
        }
        return last;
    }

    @Override
    public long height() {
        return head.number;
    }

    @Override
    public long totalTransactionCount() {
        return head.totalTxs;
    }

    @Override
    public Optional<BlockHeader> header(long number) {
        return entry(number).map(HeaderCache.Entry::header);
    }

    @Override
    public Optional<Hash> hash(long number) {
        return entry(number).map(HeaderCache.Entry::hash);
    }

    private Optional<HeaderCache.Entry> entry(long number) {
        Head current = head;
        if (number < 0 || number > current.number) {
            return Optional.empty();
        }
        if (number == current.number) {
            return Optional.of(new HeaderCache.Entry(current.header, current.hash));
        }
        HeaderCache.Entry e = headers.get(number);
        if (e != null) {
            return Optional.of(e);
        }
        byte[] hb = requireStorage().get(ChainKeys.header(number));
        if (hb == null) {
            return Optional.empty();
        }
        e = new HeaderCache.Entry(BlockHeader.decode(hb), requireSuite().digest(hb));
        headers.put(number, e);
        return Optional.of(e);
    }

    @Override
    public Optional<Block> block(long number) {
        Optional<BlockHeader> h = header(number);
        if (h.isEmpty()) {
            return Optional.empty();
        }
        byte[] body = archives.body(requireStorage(), number);
        if (body == null && number > 0 && number <= joined) {
            return Optional.empty(); // the head a snapshot import made: its header alone is held
        }
        if (body == null) {
            throw new MalformedDataException("block " + number + " has a header but no body in storage");
        }
        BlockBody.Contents c = BlockBody.decode(body, number);
        return Optional.of(new Block(h.get(), c.transactions(), c.seals()));
    }

    @Override
    public Optional<Block> block(Hash hash) {
        return number(hash).flatMap(this::block);
    }

    @Override
    public Optional<Long> number(Hash blockHash) {
        Head current = head;
        if (current.number >= 0 && current.hash.equals(blockHash)) {
            return Optional.of(current.number);
        }
        byte[] n = requireStorage().get(ChainKeys.blockNumber(blockHash));
        return n == null ? Optional.empty() : Optional.of(ChainKeys.u64(n, "block number"));
    }

    @Override
    public Optional<Located> transaction(Hash txHash) {
        Storage s = requireStorage();
        byte[] loc = s.get(ChainKeys.txLocation(txHash));
        if (loc == null) {
            return Optional.empty();
        }
        if (loc.length != 12) {
            throw new MalformedDataException("stored location of transaction " + txHash + " is " + loc.length
                    + " bytes, expected 12");
        }
        long number = ChainKeys.u64(java.util.Arrays.copyOf(loc, 8), "block number");
        int index = ((loc[8] & 0xff) << 24) | ((loc[9] & 0xff) << 16) | ((loc[10] & 0xff) << 8) | (loc[11] & 0xff);
        byte[] body = archives.body(s, number);
        if (body == null) {
            throw new MalformedDataException("transaction " + txHash + " is indexed in block " + number
                    + " but that block has no body in storage");
        }
        Envelope tx = BlockBody.transactionAt(body, index, number);
        return Optional.of(new Located(tx, txHash, number, index));
    }

    @Override
    public Optional<Receipt> receipt(Hash txHash) {
        Storage s = requireStorage();
        byte[] r = s.get(ChainKeys.receipt(txHash));
        if (r == null && !archives.records().isEmpty()) {
            r = archives.receipt(s, txHash);
        }
        return r == null ? Optional.empty() : Optional.of(Receipt.decode(r));
    }

    /** What {@link Archiver} works on: this store's storage, suite, archive records and margin. */
    Archiver archiver() {
        return new Archiver(this, requireStorage(), requireSuite(), archives, archiveMargin);
    }

    long joinedBlock() {
        return joined;
    }

    @Override
    public Optional<Genesis> genesis() {
        Genesis g = genesis;
        if (g != null) {
            return Optional.of(g);
        }
        Optional<BlockHeader> h = header(0);
        if (h.isEmpty()) {
            return Optional.empty();
        }
        g = Genesis.decode(h.get().extra());
        genesis = g;
        return Optional.of(g);
    }

    @Override
    public Optional<ChainSpec> spec() {
        ChainSpec c = spec;
        if (c != null) {
            return Optional.of(c);
        }
        Optional<ChainSpec> read = genesis().map(ChainSpec::of);
        read.ifPresent(r -> spec = r);
        return read;
    }

    @Override
    public StateSnapshot state() {
        ReadView view = requireStorage().view();
        try {
            // The head is read from the view itself, so the header and the state belong to the same block
            // even when a commit lands between opening the view and reading it.
            byte[] h = view.get(ChainKeys.HEAD);
            if (h == null) {
                throw new NotReadyException("no block yet: the chain has no genesis block");
            }
            long n = ChainKeys.u64(h, "head number");
            BlockHeader header;
            HeaderCache.Entry cached = headers.get(n);
            if (cached != null) {
                header = cached.header();
            } else {
                byte[] hb = view.get(ChainKeys.header(n));
                if (hb == null) {
                    throw new MalformedDataException("the head is block " + n + " but its header is missing");
                }
                header = BlockHeader.decode(hb);
            }
            return new HeadState(view, header);
        } catch (RuntimeException e) {
            view.close();
            throw e;
        }
    }

    private Storage requireStorage() {
        Storage s = storage;
        if (s == null) {
            throw new NotReadyException("block store not ready: no storage");
        }
        return s;
    }

    private CryptoSuite requireSuite() {
        CryptoSuite c = suite;
        if (c == null) {
            throw new NotReadyException("block store not ready: no crypto suite");
        }
        return c;
    }
}
