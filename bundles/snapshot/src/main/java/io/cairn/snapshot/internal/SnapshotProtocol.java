package io.cairn.snapshot.internal;

import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.runtime.NodeHome;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Topic {@value SnapshotMessage#TOPIC} (docs/protocol.md): serves this node's newest snapshot to peers that join
 * the chain by state sync, and hands the answers a joining node receives to its fetch. Requests are served off the
 * network thread, one at a time; when too many wait, new ones are dropped (the peer asks again or asks another).
 */
@Component(immediate = true, service = {MessageHandler.class, SnapshotProtocol.class},
        property = MessageHandler.TOPIC + "=" + SnapshotMessage.TOPIC)
public final class SnapshotProtocol implements MessageHandler {
    private static final System.Logger LOG = System.getLogger(SnapshotProtocol.class.getName());
    /** A manifest larger than this is refused (about 3,500 chunks: a state of some 50 GB). */
    static final int MAX_MANIFEST = 15 << 20;
    private static final int QUEUED_REQUESTS = 64;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Network network;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile PeerReputation reputation;

    private final SnapshotShelf shelf;
    private final ThreadPoolExecutor serving;
    private volatile BiConsumer<String, SnapshotMessage> fetch;

    @Activate
    public SnapshotProtocol(BundleContext context) {
        this(NodeHome.of(context).resolve(SnapshotCommands.DIR));
    }

    SnapshotProtocol(Path snapshots) {
        this.shelf = new SnapshotShelf(snapshots);
        this.serving = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUED_REQUESTS),
                r -> {
                    Thread t = new Thread(r, "cairn-snapshot-serve");
                    t.setDaemon(true);
                    return t;
                });
    }

    @Deactivate
    void deactivate() {
        serving.shutdownNow();
    }

    /** Sends the answers this node receives to {@code receiver} (a fetch in progress), or to nothing when null. */
    void answersTo(BiConsumer<String, SnapshotMessage> receiver) {
        this.fetch = receiver;
    }

    @Override
    public void onMessage(String peerId, String topic, byte[] payload) {
        PeerReputation r = reputation;
        if (r != null && r.isBanned(peerId)) {
            return;
        }
        SnapshotMessage m;
        try {
            m = SnapshotMessage.decode(payload, MAX_MANIFEST);
        } catch (MalformedDataException e) {
            if (e.getMessage() != null && e.getMessage().contains("protocol version")) {
                return; // a newer peer's: not misbehaviour
            }
            penalise(peerId, "sent a snapshot message that does not decode: " + e.getMessage());
            return;
        }
        if (m instanceof SnapshotMessage.GetManifest) {
            serve(peerId, () -> shelf.newest().orElse(new SnapshotMessage.ManifestOffer(0, new byte[0])));
        } else if (m instanceof SnapshotMessage.GetPiece g) {
            serve(peerId, () -> new SnapshotMessage.Piece(g.height(), g.chunk(), g.offset(),
                    shelf.piece(g.height(), g.chunk(), g.offset(), g.length())));
        } else {
            BiConsumer<String, SnapshotMessage> f = fetch;
            if (f != null) {
                f.accept(peerId, m);
            }
        }
    }

    void penalise(String peerId, String reason) {
        PeerReputation r = reputation;
        LOG.log(System.Logger.Level.WARNING, "peer {0} {1}", peerId, reason);
        if (r != null) {
            r.penalise(peerId, "snapshot", reason);
        }
    }

    private void serve(String peerId, java.util.function.Supplier<SnapshotMessage> answer) {
        try {
            serving.execute(() -> {
                Network n = network;
                if (n != null) {
                    n.send(peerId, SnapshotMessage.TOPIC, answer.get().encode());
                }
            });
        } catch (RejectedExecutionException busy) {
            // too many requests queued (or stopping): the peer times out and asks again
        }
    }
}
