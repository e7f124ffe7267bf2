package io.cairn.sync.internal;

/** What the sync loop handles, in the order it arrived: messages, finished checks, blocks that failed to apply. */
sealed interface SyncEvent permits SyncEvent.Inbound, SyncEvent.CheckDone, SyncEvent.BadBlock {
    /** A message of topic {@code sync} from a peer, not decoded yet. */
    record Inbound(String peerId, byte[] payload) implements SyncEvent {}

    /** A response checked on the compute pool; a null result: the check could not run (no fault of the peer). */
    record CheckDone(PeerTable.Request request, BlockCheck.Result result) implements SyncEvent {}

    /** A checked block the peer sent did not apply on the head: its parent or its execution is wrong. */
    record BadBlock(String peerId, String why) implements SyncEvent {}
}
