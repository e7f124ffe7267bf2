package io.cairn.consensus.pbft.internal;

import io.cairn.api.runtime.Metrics;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the engine counts: since it started (for {@link io.cairn.api.node.ConsensusStatus}) and in the node's
 * metrics, which keep counting across engine swaps. Any thread.
 */
final class Counters {
    private static final System.Logger LOG = System.getLogger(Counters.class.getName());

    /** One count, here and in the metrics. */
    static final class Count {
        private final AtomicLong here = new AtomicLong();
        private final Metrics.Counter metric;

        private Count(Metrics.Counter metric) {
            this.metric = metric;
        }

        void inc() {
            here.incrementAndGet();
            metric.inc();
        }

        long get() {
            return here.get();
        }
    }

    final Count rounds;
    final Count blocksCommitted;
    final Count viewChanges;
    final Count rejected;
    final Count equivocations;
    final Count penalised;
    final Count dropped;
    final Count ignored;
    final Count resent;
    final Count failures;

    Counters(Metrics metrics) {
        rounds = count(metrics, "consensus_rounds", "PBFT rounds (height, view) this node entered");
        blocksCommitted = count(metrics, "consensus_blocks_committed", "Blocks consensus decided and committed");
        viewChanges = count(metrics, "consensus_view_changes", "Views entered by a view change");
        rejected = count(metrics, "consensus_messages_rejected", "Consensus messages refused as invalid or unexpected");
        equivocations = count(metrics, "consensus_equivocations", "Two different votes of one sealer at one height and view");
        penalised = count(metrics, "consensus_peers_penalised", "Peers consensus reported for a message no honest node sends");
        dropped = count(metrics, "consensus_messages_dropped", "Consensus messages lost to a full inbox or buffer");
        ignored = count(metrics, "consensus_messages_ignored", "Consensus messages of banned peers, ignored unread");
        resent = count(metrics, "consensus_messages_resent", "This node's consensus messages sent again");
        failures = count(metrics, "consensus_failures", "Consensus steps that failed on an exception and were retried");
    }

    private static Count count(Metrics metrics, String name, String help) {
        Metrics.Counter c;
        try {
            c = metrics.counter(name, help);
        } catch (IllegalArgumentException clash) {
            // Another engine registered the family with other labels: count here all the same.
            LOG.log(Level.WARNING, "pbft: metric " + name + " not recorded: " + clash.getMessage());
            c = Metrics.NONE.counter(name, help);
        }
        return new Count(c);
    }
}
