package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Component.Health;
import io.cairn.api.node.ConsensusStatus;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.NotReadyException;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxPool;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.storage.NodeRecords;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * PBFT for the n = 3f + 1 genesis sealers, one height at a time, in the manner of FISCO BCOS (docs/protocol.md).
 * This is the protocol as an event handler (Besu's QbftController): it owns all protocol state and no thread, and
 * is fed three events, a message from a peer, a tick of the clock, the head having moved, on one thread at a
 * time. It routes each authenticated message to the {@link Height} in progress, buffers early ones, answers and
 * asks for blocks ({@link CatchUp}), and moves to the next height when the head moves (its own commit, or sync's).
 * Everything outside the protocol, time included, comes through the {@link Ports}; {@link #status()},
 * {@link #health()} and {@link #ignoring} may be called from any thread.
 */
final class PbftEngine {
    static final String TOPIC = "pbft";
    private static final System.Logger LOG = System.getLogger(PbftEngine.class.getName());
    private static final long NOT_READY_LOG_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** What status() shows of the protocol state, published by the event thread. */
    private record Shown(long height, long view, boolean changing) {}

    private final Ports ports;
    final NodeClock clock;
    final NodeRecords records;
    final Counters counts;
    final Admission admission;
    final GateBracket gate;
    final CatchUp catchUp;
    final ProposalCheck check;
    final Proposer proposer;
    final ViewTimer timer;
    final OwnMessages own;
    final VoteLog votes = new VoteLog();
    private final FutureMessages future = new FutureMessages();
    /** The highest height each sealer's verified messages named: how far behind a leader may be (consensus thread). */
    private final java.util.Map<String, Long> heightSeen = new java.util.HashMap<>();
    private final Metrics.Gauge viewGauge;
    private volatile Settings settings;

    private Height height;
    private BlockStore specOf;
    private ChainSpec spec;
    private TransactionVerifier verifier;
    private NodeIdentity meOf;
    private String me;
    private boolean sealer;
    private long notReadyLoggedAt;

    private volatile Shown shown = new Shown(-1, 0, false);
    private volatile ChainSpec shownSpec;
    private volatile Hash lastBlockHash;
    private volatile int lastBlockTxs;

    PbftEngine(Ports ports, Settings settings) {
        this.ports = ports;
        this.clock = ports.clock();
        this.records = ports.records();
        this.settings = settings;
        this.counts = new Counters(ports.metrics());
        this.gate = new GateBracket(ports::gate);
        this.admission = new Admission(ports.reputation(), counts, peer -> {
            future.dropFrom(peer);
            gate.dropFrom(peer);
        });
        this.catchUp = new CatchUp(clock, admission);
        this.check = new ProposalCheck(ports.threads(), clock);
        this.proposer = new Proposer(settings, clock, gate, check);
        this.timer = new ViewTimer(settings.viewTimeoutMs());
        this.own = new OwnMessages(counts, clock.nanoTime());
        this.notReadyLoggedAt = clock.nanoTime() - NOT_READY_LOG_NANOS;
        Metrics.Gauge g;
        try {
            g = ports.metrics().gauge("consensus_view", "The view this node is in at the height in progress",
                    () -> shown.view());
        } catch (IllegalArgumentException clash) {
            LOG.log(Level.WARNING, "pbft: metric consensus_view not recorded: " + clash.getMessage());
            g = () -> {};
        }
        this.viewGauge = g;
    }

    /** New settings; they apply from the next event. Any thread. */
    void configure(Settings s) {
        settings = s;
        proposer.configure(s);
        timer.configure(s.viewTimeoutMs());
    }

    // ---- events

    /** A message of topic {@value #TOPIC} from a peer. */
    void onMessage(String peerId, byte[] payload) {
        if (admission.ignoring(peerId)) {
            return; // queued before its sender was banned
        }
        Step s = step();
        if (s == null) {
            counts.dropped.inc();
            return;
        }
        PbftMessage m = admission.admit(s, peerId, payload);
        if (m == null) {
            return;
        }
        syncHeight(s);
        if (height == null) {
            counts.dropped.inc();
            return;
        }
        dispatch(s, peerId, m);
        publish();
    }

    /** The clock moved: proposals, timeouts, re-sends, and whatever the gate or storage held back. */
    void onTick() {
        Step s = step();
        if (s == null) {
            return;
        }
        syncHeight(s);
        if (height == null) {
            return;
        }
        if (gate.hasWaiting() && gate.enter()) {
            for (FutureMessages.Held h : gate.takeWaiting()) {
                dispatch(s, h.peerId(), h.message()); // proposals that came while the gate was closed
            }
            gate.exitUnlessHolding(height.current());
        }
        height.tick(s);
        publish();
    }

    /** The head may have moved (this engine's commit, or sync's). */
    void onHeadMoved() {
        Step s = step();
        if (s != null) {
            syncHeight(s);
            publish();
        }
    }

    /** Whether the peer is banned; counts the message it sent as ignored if so. Any thread. */
    boolean ignoring(String peerId) {
        return admission.ignoring(peerId);
    }

    /** A message lost before it reached this engine (a full inbox). Any thread. */
    void dropped() {
        counts.dropped.inc();
    }

    /** An event failed on an exception (a provider failing or leaving mid-call); the caller carries on. */
    void failed() {
        counts.failures.inc();
    }

    /** Leaves the gate and the metrics; the engine takes no more events. */
    void close() {
        gate.exit();
        viewGauge.close();
    }

    /** The highest height {@code sealer}'s messages named, or -1 if none came. */
    long heightSeen(String sealer) {
        return heightSeen.getOrDefault(sealer, -1L);
    }

    // ---- routing, for the height in progress

    /** A verified message from a sealer (or this node's own, delivered locally). */
    void dispatch(Step s, String peerId, PbftMessage m) {
        if (admission.ignoring(peerId)) {
            return; // buffered, or waiting for the gate, since before its sender was banned
        }
        Height h = height;
        heightSeen.merge(m.senderHex(), m.height(), Math::max);
        switch (m.kind()) {
            case FETCH -> {
                catchUp.answer(s, peerId, m.height());
                if (m.height() < h.number) {
                    h.senderBehind(s, m.senderHex(), h.number - m.height());
                }
            }
            case DECIDED -> {
                if (m.height() == h.number) {
                    h.onDecided(s, peerId, m);
                }
            }
            default -> {
                if (m.height() < h.number) {
                    catchUp.answer(s, peerId, m.height()); // the sender is behind: hand it the block it is stuck on
                    h.senderBehind(s, m.senderHex(), h.number - m.height());
                } else if (m.height() > h.number) {
                    buffer(peerId, m);
                    catchUp.fetch(s, peerId, h.number);
                } else {
                    h.on(s, peerId, m);
                }
            }
        }
    }

    /** Sends this node's message to every peer (kept for re-sending while the height lasts) and counts it here. */
    void send(Step s, PbftMessage m) {
        if (s.sealer() && m.height() == height.number) {
            own.send(s.net(), m, clock.nanoTime());
        }
        dispatch(s, s.me(), m); // one's own vote counts too
    }

    void buffer(String peerId, PbftMessage m) {
        if (!future.add(peerId, m)) {
            counts.dropped.inc();
        }
    }

    /** Hands the buffered messages that are due now to the height in progress; keeps those still ahead. */
    void replay(Step s) {
        if (future.isEmpty()) {
            return;
        }
        long h = height.number;
        for (FutureMessages.Held b : future.drain()) {
            if (b.message().height() >= h && height.number == h) {
                dispatch(s, b.peerId(), b.message());
            } else if (b.message().height() > height.number) {
                buffer(b.peerId(), b.message());
            }
        }
    }

    void headMoved(Step s) {
        syncHeight(s);
    }

    /** The height's block committed in {@code view}: on to the next height. */
    void committed(Step s, ExecutedBlock executed, long view) {
        proposer.committed(executed.transactions());
        lastBlockHash = s.hash(executed.header());
        lastBlockTxs = executed.transactions().size();
        timer.committed(view, clock.nanoTime());
        counts.blocksCommitted.inc();
        gate.exit();
        syncHeight(s);
    }

    /** Storage is away (an engine swap): nothing was voted; the next tick tries again. */
    void notReady() {
        long now = clock.nanoTime();
        if (now - notReadyLoggedAt >= NOT_READY_LOG_NANOS) {
            notReadyLoggedAt = now;
            LOG.log(Level.WARNING, "pbft: not voting while the vote log cannot be read or written (no storage)");
        }
    }

    /** The collaborators of one event, or null while one is missing (consensus pauses). */
    private Step step() {
        BlockStore store = ports.blockStore();
        Executor exec = ports.executor();
        NodeIdentity id = ports.identity();
        TxPool pool = ports.txPool();
        if (store == null || exec == null || id == null || pool == null) {
            return null;
        }
        if (store != specOf) {
            Optional<ChainSpec> sp = store.spec();
            if (sp.isEmpty() || sp.get().n() == 0) {
                return null; // no genesis block with sealers yet
            }
            spec = sp.get();
            specOf = store;
            shownSpec = spec;
            meOf = null;
        }
        CryptoSuite suite = chainSuite(spec);
        if (suite == null) {
            return null;
        }
        if (verifier == null || verifier.suite() != suite || verifier.spec() != spec) {
            verifier = new TransactionVerifier(spec, suite);
        }
        if (id != meOf) {
            me = Bytes.toHex(id.publicKey());
            sealer = spec.isSealer(me);
            meOf = id;
        }
        return new Step(store, exec, pool, id, suite, ports.network(), spec, verifier, me, sealer);
    }

    private CryptoSuite chainSuite(ChainSpec sp) {
        for (CryptoSuite s : ports.suites()) {
            if (sp.usesSuite(s)) {
                return s;
            }
        }
        return null;
    }

    /** Moves to head + 1, view 0 (or where this node's vote log says it was) when the head moved. */
    private void syncHeight(Step s) {
        long next = s.store().height() + 1;
        if (next < 1 || (height != null && next == height.number)) {
            return;
        }
        if (s.sealer()) {
            try {
                votes.refresh(records);
            } catch (NotReadyException e) {
                notReady(); // without its votes a sealer cannot know what it may vote at the next height
                return;
            }
        }
        gate.exit();
        if (height != null) {
            height.finish();
        }
        gate.clearWaiting();
        own.clear();
        timer.newHeight();
        height = new Height(this, next);
        counts.rounds.inc();
        height.resume(s);
        replay(s);
    }

    private void publish() {
        Height h = height;
        Shown now = shown;
        if (h != null && (now.height() != h.number || now.view() != h.view() || now.changing() != h.viewChanging())) {
            shown = new Shown(h.number, h.view(), h.viewChanging());
        }
    }

    // ---- what the node shows; any thread

    ConsensusStatus status() {
        Shown sh = shown;
        ChainSpec sp = shownSpec;
        Settings st = settings;
        NodeIdentity id = ports.identity();
        ConsensusStatus.Role role = sp == null || id == null ? ConsensusStatus.Role.UNKNOWN
                : sp.isSealer(Bytes.toHex(id.publicKey())) ? ConsensusStatus.Role.SEALER : ConsensusStatus.Role.OBSERVER;
        ConsensusStatus.Bft bft = new ConsensusStatus.Bft(sh.view(), sp == null || sh.height() < 0 ? null
                : Step.leader(sp, sh.height(), sh.view()), sp == null ? List.of() : sp.sealers(), sp == null ? 0 : sp.f(),
                sp == null ? 0 : sp.quorum(), role, sh.changing(), counts.viewChanges.get(), counts.equivocations.get(),
                counts.rejected.get(), counts.dropped.get(), counts.ignored.get(), counts.resent.get(),
                admission.lastRejection(), timer.configuredMs(), timer.nowMs(), counts.penalised.get());
        return new ConsensusStatus("pbft", sh.height(), lastBlockHash, lastBlockTxs, counts.blocksCommitted.get(),
                counts.failures.get(), st.blockTxs(), st.intervalMs(), st.emptyBlocks(), bft);
    }

    Health health() {
        List<String> missing = new ArrayList<>();
        if (ports.txPool() == null) missing.add("txpool");
        if (ports.executor() == null) missing.add("executor");
        if (ports.blockStore() == null) missing.add("block store");
        if (ports.identity() == null) missing.add("node identity");
        if (ports.network() == null) missing.add("network");
        if (!missing.isEmpty()) {
            return Health.notReady("waiting for " + String.join(", ", missing));
        }
        ChainSpec sp = shownSpec;
        if (sp == null) {
            return Health.notReady("no genesis block with sealers yet");
        }
        if (ports.suites().stream().noneMatch(sp::usesSuite)) {
            return Health.notReady("waiting for the chain's crypto suite '" + sp.suite() + "'");
        }
        NodeIdentity id = ports.identity();
        boolean sealer = id != null && sp.isSealer(Bytes.toHex(id.publicKey()));
        Shown sh = shown;
        int banned = admission.bannedNow();
        return Health.ready((sealer ? "sealer" : "observer") + " at height " + sh.height() + ", view " + sh.view()
                + " of " + sp.n() + " sealers" + (banned == 0 ? "" : "; " + banned + " peer(s) penalised for invalid messages"));
    }
}
