package io.cairn.launcher.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.ignite.IgniteSystemProperties;
import org.junit.jupiter.api.Test;

/** A storage server's settings, as {@code cairn storage up} starts it. */
class ClusterServerTest {
    @Test
    void aServerKeepsItsWriteAheadLogWhileItRebalancesSoThatItCanAlwaysStartAgain() {
        String before = System.getProperty(IgniteSystemProperties.IGNITE_DISABLE_WAL_DURING_REBALANCING);
        try {
            System.clearProperty(IgniteSystemProperties.IGNITE_DISABLE_WAL_DURING_REBALANCING);
            assertTrue(IgniteSystemProperties.getBoolean(IgniteSystemProperties.IGNITE_DISABLE_WAL_DURING_REBALANCING,
                    true), "Ignite's default turns it off");
            ClusterServer.keepWalDuringRebalancing();
            assertFalse(IgniteSystemProperties.getBoolean(
                    IgniteSystemProperties.IGNITE_DISABLE_WAL_DURING_REBALANCING, true));
        } finally {
            if (before == null) {
                System.clearProperty(IgniteSystemProperties.IGNITE_DISABLE_WAL_DURING_REBALANCING);
            } else {
                System.setProperty(IgniteSystemProperties.IGNITE_DISABLE_WAL_DURING_REBALANCING, before);
            }
        }
    }
}
