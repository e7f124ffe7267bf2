package io.cairn.launcher.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.ignite.IgniteSystemProperties;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A storage server's settings, as {@code cairn storage up} starts it. */
class ClusterServerTest {
    @TempDir
    Path tmp;

    @Test
    void aClusterWithAuthenticationHasItsServersAskClientsToLogIn() {
        IgniteConfiguration open = ClusterServer.configuration(new ClusterLayout(tmp, 3, 20000, 1), 0);
        assertFalse(open.isAuthenticationEnabled());
        IgniteConfiguration closed = ClusterServer.configuration(new ClusterLayout(tmp, 3, 20000, 1, true), 1);
        assertTrue(closed.isAuthenticationEnabled());
        assertTrue(closed.getDataStorageConfiguration().getDefaultDataRegionConfiguration().isPersistenceEnabled(),
                "Ignite keeps its users only with persistence");
    }

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
