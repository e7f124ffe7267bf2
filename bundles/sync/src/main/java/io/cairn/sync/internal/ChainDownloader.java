package io.cairn.sync.internal;

import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxPool;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.sync.internal.PeerTable.Peer;
import io.cairn.sync.internal.PeerTable.Request;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The sync loop's logic, owning no thread: it handles each {@link SyncEvent} and, on each {@link #tick}, expires
 * requests, broadcasts STATUS and hands the missing ranges to peers ({@link PeerTable}). Responses are checked on
 * the compute pool ({@link BlockCheck}); what passes goes to the {@link BlockImport}. A peer that sends garbage or
 * blocks that do not check is reported to the {@link PeerReputation} (reporter {@value #REPORTER}): what it sent
 * is dropped, its ranges go to other peers, and its messages are ignored while it is banned. Called by one
 * thread at a time (the engine's loop, or a test).
 */
final class ChainDownloader {
    static final String REPORTER = "sync";
    private static final System.Logger LOG = System.getLogger(ChainDownloader.class.getName());
    private static final long MIN_STATUS_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** One block behind, sync waits for consensus at most this many status intervals. */
    static final int MAX_TIP_GRACE = 5;

    /** The configuration it runs with. */
    record Settings(long statusIntervalNanos, int batchBlocks, int maxParallelPeers, long requestTimeoutNanos,
            int maxBlockBytes) {}

    private final Settings settings;
    private final PeerReputation reputation;
    private final NodeThreads threads;
    private final BlockImport imports;
    private final SyncCounters counters;
    private final Consumer<SyncEvent> loop;
    private final PeerTable table;

    private volatile boolean headDirty = true;
    private volatile boolean syncing;
    private volatile long highestKnown = -1;
    private long nextStatusAt;
    private long lastStatusAt;
    private long seenHead = Long.MIN_VALUE;
    private long headChangedAt;
    /** Smoothed time between one-block head changes here, each counted at most {@link #MAX_TIP_GRACE} intervals. */
    private long recentBlockNanos;

    /** @param loop where a finished check is posted back, to be handled in turn */
    ChainDownloader(Settings settings, PeerReputation reputation, NodeThreads threads, BlockImport imports,
            SyncCounters counters, Consumer<SyncEvent> loop, long now) {
        this.settings = settings;
        this.reputation = reputation;
        this.threads = threads;
        this.imports = imports;
        this.counters = counters;
        this.loop = loop;
        this.table = new PeerTable(settings.statusIntervalNanos(), settings.requestTimeoutNanos(),
                settings.batchBlocks(), settings.maxParallelPeers(), reputation);
        nextStatusAt = now;
        headChangedAt = now;
    }

    PeerTable table() {
        return table;
    }

    /** The head moved (a commit by sync or consensus): peers hear of it soon. */
    void headChanged() {
        headDirty = true;
    }

    long highestKnown() {
        return highestKnown;
    }

    boolean syncing() {
        return syncing;
    }

    void handle(SyncEvent e, SyncContext ctx, long now) {
        if (e instanceof SyncEvent.Inbound in) {
            onInbound(in, ctx, now);
        } else if (e instanceof SyncEvent.CheckDone done) {
            onChecked(done, ctx.store(), now);
        } else if (e instanceof SyncEvent.BadBlock bad) {
            Peer p = table.get(bad.peerId());
            if (p != null) {
                penalise(p, bad.why());
            }
        }
    }

    /** An event that cannot be handled now (no network or no chain yet): only what it holds is let go. */
    void discard(SyncEvent e) {
        if (e instanceof SyncEvent.CheckDone done) {
            table.release(done.request());
        }
    }

    private void onInbound(SyncEvent.Inbound in, SyncContext ctx, long now) {
        if (in.peerId().equals(ctx.self()) || reputation.isBanned(in.peerId())) {
            return;
        }
        Peer p = table.peer(in.peerId());
        SyncMessage m;
        try {
            m = SyncMessage.decode(in.payload(), settings.maxBlockBytes());
        } catch (SyncMessage.UnsupportedVersionException newer) {
            return; // a newer engine on the peer: not a fault, just nothing we can read
        } catch (MalformedDataException e) {
            counters.badMessages.incrementAndGet();
            penalise(p, "sent a malformed sync message: " + e.getMessage());
            return;
        }
        p.lastHeard = now;
        if (m instanceof SyncMessage.Status s) {
            onStatus(p, s, ctx, now);
        } else if (m instanceof SyncMessage.GetBlocks g) {
            if (!p.foreign) {
                counters.served();
                ctx.net().send(p.id, SyncMessage.TOPIC,
                        BlockServer.serve(g, ctx.store(), settings.batchBlocks(), ctx.net().maxPayload()));
            }
        } else if (m instanceof SyncMessage.Blocks b) {
            onBlocks(p, b, ctx);
        }
    }

    private void onStatus(Peer p, SyncMessage.Status s, SyncContext ctx, long now) {
        Hash genesis = ctx.chain().genesis();
        if (!s.genesis().equals(genesis)) {
            if (!p.foreign) {
                LOG.log(Level.WARNING, "sync: peer {0} has genesis {1}, this chain''s is {2}: ignoring it", p.id,
                        s.genesis(), genesis);
            }
            p.foreign = true;
            p.height = -1;
            return;
        }
        p.foreign = false;
        p.height = s.height();
        BlockStore store = ctx.store();
        long mine = store.height();
        // A peer behind us learns our height now rather than at our next broadcast: a new node starts at once.
        if (s.height() < mine && now - p.statusSentAt >= settings.statusIntervalNanos() / 2) {
            Optional<Hash> head = store.hash(mine);
            if (head.isPresent() && ctx.net().send(p.id, SyncMessage.TOPIC,
                    new SyncMessage.Status(mine, head.get(), genesis).encode())) {
                p.statusSentAt = now;
            }
        }
    }

    private void onBlocks(Peer p, SyncMessage.Blocks b, SyncContext ctx) {
        Request r = p.inFlight;
        if (r == null || r.from != b.from() || r.checking) {
            return; // late (after a timeout) or unasked: harmless, and not worth checking
        }
        if (b.blocks().size() > r.count) {
            counters.badMessages.incrementAndGet();
            penalise(p, "sent " + b.blocks().size() + " blocks for a request of " + r.count);
            return;
        }
        if (b.blocks().isEmpty()) {
            // It no longer has (or never had) them: believe it holds less, and ask someone else.
            p.height = Math.min(p.height, r.from - 1);
            table.release(r);
            return;
        }
        TransactionVerifier verifier = ctx.chain().verifier();
        if (verifier == null) {
            table.release(r); // no suite of this chain's bound: ask again once there is
            return;
        }
        TxPool pool = ctx.pool();
        r.checking = true;
        try {
            threads.compute().execute(() -> {
                BlockCheck.Result result;
                try {
                    result = BlockCheck.check(p.id, b.from(), b.blocks(), verifier, pool == null ? null : pool::get,
                            threads);
                } catch (RuntimeException e) {
                    // The pool departing mid-check is no fault of the peer's: ask again later.
                    result = null;
                    LOG.log(Level.DEBUG, "sync: checking blocks from " + p.id + " failed", e);
                }
                loop.accept(new SyncEvent.CheckDone(r, result));
            });
        } catch (RejectedExecutionException stopping) {
            table.release(r);
        }
    }

    private void onChecked(SyncEvent.CheckDone done, BlockStore store, long now) {
        Request r = done.request();
        Peer p = r.peer;
        table.release(r);
        BlockCheck.Result result = done.result();
        if (result == null || reputation.isBanned(p.id)) {
            return;
        }
        if (result.bad()) {
            counters.badBlock();
            penalise(p, result.failure());
            return;
        }
        counters.blocksFetched.addAndGet(result.blocks().size());
        imports.offer(result.blocks(), store.height());
    }

    private void penalise(Peer p, String why) {
        reputation.penalise(p.id, REPORTER, why);
        LOG.log(Level.WARNING, "sync: peer {0} sent bad data, reported to the peer reputation: {1}", p.id, why);
        Request r = p.inFlight;
        if (r != null && !r.checking) {
            table.release(r);
        }
        imports.dropFrom(p.id);
    }

    /** Expires requests, broadcasts STATUS when due and asks for missing ranges; returns how long it may wait. */
    long tick(SyncContext ctx, long now) {
        BlockStore store = ctx.store();
        long head = store.height();
        if (head != seenHead) {
            if (head == seenHead + 1) {
                long took = Math.min(now - headChangedAt, MAX_TIP_GRACE * settings.statusIntervalNanos());
                recentBlockNanos = recentBlockNanos == 0 ? took : (recentBlockNanos * 3 + took) / 4;
            }
            seenHead = head;
            headChangedAt = now;
        }
        List<Request> late = table.expire(now);
        if (!late.isEmpty()) {
            counters.timedOut(late.size());
            for (Request r : late) {
                LOG.log(Level.INFO, "sync: peer {0} did not answer for blocks {1}..{2} in time; asking another",
                        r.peer.id, r.from, r.end() - 1);
            }
        }
        long interval = settings.statusIntervalNanos();
        if (now - nextStatusAt >= 0 || (headDirty && now - lastStatusAt >= Math.min(MIN_STATUS_GAP_NANOS, interval))) {
            broadcastStatus(ctx, now);
        }
        schedule(ctx, head, now);
        long wake = nextStatusAt - now;
        if (headDirty) {
            wake = Math.min(wake, lastStatusAt + MIN_STATUS_GAP_NANOS - now);
        }
        wake = Math.min(wake, table.untilNextDeadline(now));
        return Math.max(TimeUnit.MILLISECONDS.toNanos(1), wake);
    }

    private void broadcastStatus(SyncContext ctx, long now) {
        BlockStore store = ctx.store();
        long height = store.height();
        Optional<Hash> head = store.hash(height);
        headDirty = false;
        lastStatusAt = now;
        nextStatusAt = now + settings.statusIntervalNanos();
        if (head.isPresent()) {
            ctx.net().broadcast(SyncMessage.TOPIC, new SyncMessage.Status(height, head.get(), ctx.chain().genesis()).encode());
        }
    }

    private void schedule(SyncContext ctx, long head, long now) {
        long target = table.target(now);
        highestKnown = target;
        imports.dropThrough(head);
        // One block behind is the normal state at the tip while consensus commits: leave it to consensus
        // unless the head has stood still for a status interval, or twice the recent block time here when
        // that is longer (up to MAX_TIP_GRACE intervals): a block that takes seconds to check (range proofs)
        // would otherwise be checked twice at once, by consensus and by sync, on a node already behind.
        long grace = Math.max(settings.statusIntervalNanos(),
                Math.min(2 * recentBlockNanos, MAX_TIP_GRACE * settings.statusIntervalNanos()));
        boolean behind = target - head >= 2 || (target > head && now - headChangedAt >= grace);
        syncing = behind || !table.idle() || imports.size() > 0;
        if (behind) {
            Network net = ctx.net();
            table.schedule(head, target, imports.numbers(), now,
                    (peer, from, count) -> net.send(peer.id, SyncMessage.TOPIC, new SyncMessage.GetBlocks(from, count).encode()));
        }
    }
}
