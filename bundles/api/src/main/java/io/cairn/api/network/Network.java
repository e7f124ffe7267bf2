package io.cairn.api.network;

import io.cairn.api.node.Component;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The network component: mutually authenticated connections to the chain's other nodes (only
 * holders of a certificate from the chain's CA connect). A peer's id is its node public key in hex
 * ({@code 0x...}, 64 bytes), bound to its TLS certificate by the CA. Messages are delivered to
 * {@link MessageHandler} whiteboard services by topic, in order per peer and topic.
 */
@ProviderType
public interface Network extends Component {
    /** This node's id: its node public key, 0x hex. */
    String self();

    /** Known peers, connected or not. */
    List<Peer> peers();

    /**
     * Queues a message for one peer. Returns false, without blocking, if the peer is not connected or
     * its send queue is full (back-pressure): the caller decides whether to retry.
     */
    boolean send(String peerId, String topic, byte[] payload);

    /** Queues a message for every connected peer; returns how many accepted it. */
    int broadcast(String topic, byte[] payload);

    /** The largest payload a message may carry; larger ones are refused by {@link #send}. */
    int maxPayload();

    /**
     * Closes the connection with a peer now banned by the {@link PeerReputation} (which calls this when it bans
     * one); the network then refuses the peer, either way, while the reputation says it is banned. Returns at
     * once, from any thread. A network without such control (the default) does nothing.
     *
     * @param peerId the peer's id as {@link MessageHandler#onMessage} named it
     * @param reason what the peer did, for the log and the operator
     * @since 1.1
     */
    default void disconnect(String peerId, String reason) {
    }

    /**
     * The peers refused now for misbehaviour, with the reason and until when.
     *
     * @since 1.1
     * @deprecated bans are kept by {@link PeerReputation#bans()}; this default returns none
     */
    @Deprecated
    default List<Ban> bans() {
        return List.of();
    }

    /**
     * A peer refused for misbehaviour.
     *
     * @param peerId       the peer's id
     * @param reason       why, as the component that asked for it said
     * @param sinceMillis  when it was (last) disconnected, epoch ms
     * @param untilMillis  when it may connect again, epoch ms
     * @param offences     how many times it was disconnected recently (the back-off doubles with each)
     * @since 1.1
     */
    record Ban(String peerId, String reason, long sinceMillis, long untilMillis, int offences) {}

    /** A peer as the network sees it. */
    record Peer(String id, String address, boolean connected, boolean outbound, long connectedSinceMillis,
            long messagesIn, long messagesOut, long queued) {}
}
