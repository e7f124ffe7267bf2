package io.cairn.api.network;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's one record of misbehaving peers. Every engine that proves a peer misbehaves (consensus, sync, the
 * pool's gossip, the network itself) reports it here; the network enforces the ban (closes the connection and
 * refuses the peer both ways until the ban ends) and every engine ignores a banned peer's messages. A ban lasts
 * a base period that doubles with each offence while the peer keeps offending. Bans are persisted in storage,
 * so neither a swapped engine nor a restarted node forgets them. Provided by the stable core bundle. Thread-safe;
 * every method returns at once.
 */
@ProviderType
public interface PeerReputation {
    /**
     * Records that the peer proved to misbehave (sent what no honest node sends: undecodable, wrongly signed,
     * another chain's, an equivocation...) and bans it; a peer already banned stays banned until its ban ends.
     *
     * @param peerId   the peer's id as {@link MessageHandler#onMessage} named it
     * @param reporter the component that saw it ({@code pbft}, {@code sync}, ...)
     * @param reason   what the peer did, for the log and the operator
     * @return the ban now in force
     */
    Network.Ban penalise(String peerId, String reporter, String reason);

    /** Whether the peer is banned now: its messages are ignored and the network refuses it. */
    boolean isBanned(String peerId);

    /** The ban in force on the peer, if any. */
    Optional<Network.Ban> ban(String peerId);

    /** Every ban in force. */
    List<Network.Ban> bans();

    /** Lifts a ban (an operator's decision). Returns whether there was one. */
    boolean pardon(String peerId);
}
