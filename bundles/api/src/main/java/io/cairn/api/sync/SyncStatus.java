package io.cairn.api.sync;

import java.util.List;
import java.util.Map;

/**
 * What the sync engine reports (getSyncStatus). Counters count since the engine started.
 *
 * @param height            this node's head
 * @param highestKnown      the highest head a peer reported
 * @param syncing           whether this node is behind a peer and fetching
 * @param peers             each peer's reported head, by peer id
 * @param penalisedPeers    peers whose data is ignored for now (refused by the peer reputation)
 * @param inFlight          block requests awaiting an answer
 * @param readyBlocks       checked blocks waiting to be applied in order
 * @param blocksFetched     blocks received and checked
 * @param blocksApplied     blocks executed and committed by sync
 * @param badBlocks         blocks refused (bad seals, body, execution)
 * @param badMessages       undecodable or unexpected messages
 * @param timeouts          requests that went unanswered and were asked of another peer
 * @param requestsServed    block requests this node answered
 * @param committedByOthers fetched blocks consensus committed first (the head moved)
 */
public record SyncStatus(long height, long highestKnown, boolean syncing, Map<String, Long> peers,
        List<String> penalisedPeers, int inFlight, int readyBlocks, long blocksFetched, long blocksApplied, long badBlocks,
        long badMessages, long timeouts, long requestsServed, long committedByOthers) {

    public SyncStatus {
        peers = Map.copyOf(peers);
        penalisedPeers = List.copyOf(penalisedPeers);
    }
}
