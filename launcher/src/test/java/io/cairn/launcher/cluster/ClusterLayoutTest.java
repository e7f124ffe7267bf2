package io.cairn.launcher.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterLayoutTest {
    @TempDir
    Path tmp;

    @Test
    void aClusterDirectoryRecordsItsServersPortsAndBackups() throws Exception {
        ClusterLayout l = new ClusterLayout(tmp, 3, 20000, 1);
        assertEquals(List.of("127.0.0.1:20000", "127.0.0.1:20001", "127.0.0.1:20002"), l.endpoints());
        assertEquals(20102, l.discoveryPort(2));
        assertEquals(20201, l.communicationPort(1));
        assertEquals("127.0.0.1:20100..20109", l.discoveryRange(), "servers added later are found too");
        assertEquals(tmp.resolve("server-2"), l.serverDir(2));
        assertEquals("cairn-server-2", ClusterLayout.name(2));
        l.write();
        assertTrue(ClusterLayout.exists(tmp));
        assertEquals(l, ClusterLayout.read(tmp));
    }

    @Test
    void aClusterWithAuthenticationRecordsItAndKeepsARandomPasswordForItsOwnerOnly() throws Exception {
        ClusterLayout l = new ClusterLayout(tmp, 3, 20000, 1, true);
        l.write();
        l.createPassword();
        assertEquals(l, ClusterLayout.read(tmp));
        assertTrue(l.withServers(4).auth(), "a server added keeps the cluster's authentication");
        String password = l.password();
        assertTrue(password.matches("[A-Za-z0-9_-]{24}"), password);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(l.passwordFile())));
        l.createPassword();
        assertEquals(password, l.password(), "a cluster's password is made once");
        assertFalse(new ClusterLayout(tmp, 3, 20000, 1).auth());

        Files.writeString(tmp.resolve(ClusterLayout.FILE), "servers=3\nport=20000\nbackups=1\nauth=yes\n");
        assertEquals(tmp.resolve(ClusterLayout.FILE) + ": auth is 'yes', not true or false",
                assertThrows(IllegalArgumentException.class, () -> ClusterLayout.read(tmp)).getMessage());
        Files.writeString(l.passwordFile(), "  \n");
        assertEquals("the password file " + l.passwordFile() + " is empty",
                assertThrows(IllegalArgumentException.class, l::password).getMessage());
    }

    @Test
    void settingsOutsideWhatACLusterCanBeAreRefusedNamingThem() throws Exception {
        assertEquals("a cluster has 1 to 10 servers, not 11",
                assertThrows(IllegalArgumentException.class, () -> new ClusterLayout(tmp, 11, 20000, 1)).getMessage());
        assertEquals("port 65400: the cluster needs ports port..port+210 between 1024 and 65535",
                assertThrows(IllegalArgumentException.class, () -> new ClusterLayout(tmp, 3, 65400, 1)).getMessage());
        assertEquals("backups 3: from 0 to 2 with 3 servers",
                assertThrows(IllegalArgumentException.class, () -> new ClusterLayout(tmp, 3, 20000, 3)).getMessage());
        assertEquals("no storage cluster in " + tmp + " (no cluster.properties): start one with cairn storage up --dir "
                + tmp, assertThrows(IllegalArgumentException.class, () -> ClusterLayout.read(tmp)).getMessage());
        Files.writeString(tmp.resolve(ClusterLayout.FILE), "servers=3\nport=20000\nbackups=x\n");
        assertEquals(tmp.resolve(ClusterLayout.FILE) + ": backups is 'x', not a number",
                assertThrows(IllegalArgumentException.class, () -> ClusterLayout.read(tmp)).getMessage());
        Files.writeString(tmp.resolve(ClusterLayout.FILE), "servers=3\nbackups=1\n");
        assertEquals(tmp.resolve(ClusterLayout.FILE) + ": port is missing",
                assertThrows(IllegalArgumentException.class, () -> ClusterLayout.read(tmp)).getMessage());
    }
}
