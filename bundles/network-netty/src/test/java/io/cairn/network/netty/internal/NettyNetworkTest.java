package io.cairn.network.netty.internal;

import static io.cairn.network.netty.internal.TestChain.at;
import static io.cairn.network.netty.internal.TestChain.await;
import static io.cairn.network.netty.internal.TestChain.handle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NettyNetworkTest {
    private static final long WAIT = 10_000;

    @TempDir
    Path dir;
    TestChain chain;

    @BeforeEach
    void chain() throws Exception {
        chain = new TestChain(dir.resolve("chain"));
    }

    @AfterEach
    void stopAll() {
        chain.close();
    }

    /** Records the sequence numbers (first 4 payload bytes) each peer sent, in arrival order. */
    static final class Recorder implements MessageHandler {
        final Map<String, List<Integer>> byPeer = new ConcurrentHashMap<>();
        final AtomicInteger total = new AtomicInteger();

        @Override
        public void onMessage(String peerId, String topic, byte[] payload) {
            byPeer.computeIfAbsent(peerId, k -> new CopyOnWriteArrayList<>()).add(ByteBuffer.wrap(payload).getInt());
            total.incrementAndGet();
        }

        List<Integer> from(String peer) {
            return byPeer.getOrDefault(peer, List.of());
        }
    }

    static byte[] seq(int i, int size) {
        return ByteBuffer.allocate(Math.max(4, size)).putInt(i).array();
    }

    /** The row {@code n.peers()} shows for the peer {@code id}. */
    static Network.Peer peer(Network n, String id) {
        return n.peers().stream().filter(p -> id.equals(p.id())).findFirst()
                .orElseThrow(() -> new AssertionError("no peer " + id + " in " + n.peers()));
    }

    static boolean connected(Network n, int peers) {
        return n.peers().stream().filter(Network.Peer::connected).count() == peers;
    }

    static void assertInOrder(List<Integer> got, int n) {
        assertEquals(n, got.size(), "message count");
        for (int i = 0; i < n; i++) {
            assertEquals(i, got.get(i), "message " + i + " out of order");
        }
    }

    @Test
    void tlsPrefersChaCha20Poly1305AndKeepsAesGcmForOtherPeers() throws Exception {
        TestChain.Node n = chain.node();
        TlsIdentity tls = TlsIdentity.load(n.caCert(), n.nodeCert(), n.nodeKey());
        for (io.netty.handler.ssl.SslContext c : List.of(tls.server, tls.client)) {
            assertEquals(List.of("TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"),
                    c.cipherSuites());
            javax.net.ssl.SSLEngine engine = c.newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT);
            assertEquals("TLS_CHACHA20_POLY1305_SHA256", engine.getEnabledCipherSuites()[0]);
            assertEquals(List.of("TLSv1.3"), List.of(engine.getEnabledProtocols()));
        }
    }

    @Test
    void peersWithoutACommonProtocolVersionAreRefusedAndBothSidesSayWhy() throws Exception {
        TestChain.TestConfig ca = new TestChain.TestConfig();
        NettyNetwork a = chain.start(chain.node(), ca, new int[] {1, 1});
        TestChain.TestConfig cb = new TestChain.TestConfig();
        cb.peers = new String[] {at(a)};
        NettyNetwork b = chain.start(chain.node(), cb, new int[] {2, 3});
        await("both refused the other", () -> a.health().detail().contains("last refused")
                && b.health().detail().contains("last refused"), WAIT);
        assertTrue(a.health().detail().contains("protocol 1..1; last refused: "), a.health().detail());
        assertTrue(a.health().detail().endsWith(": no common protocol version: it speaks 2..3, this node 1..1"),
                a.health().detail());
        assertTrue(b.health().detail().endsWith(": no common protocol version: it speaks 1..1, this node 2..3"),
                b.health().detail());
        assertFalse(connected(a, 1) || connected(b, 1), "never connected");

        // an engine of a wider range meets both: it speaks the highest version they share
        TestChain.TestConfig cc = new TestChain.TestConfig();
        cc.peers = new String[] {at(a), at(b)};
        NettyNetwork c = chain.start(chain.node(), cc, new int[] {1, 2});
        await("the wider engine connected to both", () -> connected(c, 2), WAIT);
        assertFalse(c.health().detail().contains("last refused"), c.health().detail());
    }

    @Test
    void theProtocolRangeComesFromTheBundlesCairnWireHeader() {
        assertArrayEquals(new int[] {1, 1}, NettyNetwork.wireRange(null));
        assertArrayEquals(new int[] {2, 5}, NettyNetwork.wireRange(" 2-5 "));
        assertArrayEquals(new int[] {3, 3}, NettyNetwork.wireRange("3"));
        for (String bad : List.of("0-2", "3-2", "x", "1-2-3", "1-70000")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NettyNetwork.wireRange(bad));
            assertEquals("network: the bundle declares Cairn-Wire '" + bad + "': a protocol version range is MIN-MAX "
                    + "(or one version), 1 <= MIN <= MAX <= 65535", e.getMessage());
        }
    }

    @Test
    void twoNodesExchangeMessagesInOrder() throws Exception {
        TestChain.Node na = chain.node();
        TestChain.Node nb = chain.node();
        NettyNetwork a = chain.start(na, 0);
        NettyNetwork b = chain.start(nb, 0, at(a));
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        handle(a, "test", ra);
        handle(b, "test", rb);
        await("a and b connected", () -> connected(a, 1) && connected(b, 1), WAIT);
        assertEquals(na.id(), a.self());

        int n = 3000;
        for (int i = 0; i < n; i++) {
            assertTrue(b.send(a.self(), "test", seq(i, 100)));
            assertTrue(a.send(b.self(), "test", seq(i, 100)));
        }
        await("all messages delivered", () -> ra.total.get() == n && rb.total.get() == n, WAIT);
        assertInOrder(ra.from(b.self()), n);
        assertInOrder(rb.from(a.self()), n);

        Network.Peer pa = a.peers().get(0);
        assertEquals(b.self(), pa.id());
        assertFalse(pa.outbound(), "b dialed a");
        assertEquals(n, pa.messagesIn());
        assertEquals(n, pa.messagesOut());
        assertTrue(b.peers().get(0).outbound());
        assertTrue(a.health().ready());
        assertTrue(a.health().detail().contains("1 of 1 peers connected"), a.health().detail());
    }

    @Test
    void fourNodesConnectAsAMeshAndBroadcastInOrder() throws Exception {
        int[] ports = {TestChain.freePort(), TestChain.freePort(), TestChain.freePort(), TestChain.freePort()};
        List<NettyNetwork> nodes = new ArrayList<>();
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            List<String> peers = new ArrayList<>();
            for (int j = 0; j < 4; j++) {
                if (j != i) {
                    peers.add("127.0.0.1:" + ports[j]);
                }
            }
            NettyNetwork n = chain.start(chain.node(), ports[i], peers.toArray(new String[0]));
            Recorder r = new Recorder();
            handle(n, "block", r);
            nodes.add(n);
            recorders.add(r);
        }
        // Everyone dialed everyone: exactly one connection per pair must remain, on both ends.
        // Dials cross while the mesh forms and duplicate resolution may still swap a connection after the mesh
        // first looks complete: wait until it has looked complete for a whole second before counting deliveries.
        long[] stableSince = {0};
        await("a full mesh with one connection per pair, stable for 1 s", () -> {
            boolean mesh = nodes.stream().allMatch(n -> connected(n, 3) && n.openChannels() == 3);
            long now = System.nanoTime();
            if (!mesh) {
                stableSince[0] = 0;
                return false;
            }
            if (stableSince[0] == 0) {
                stableSince[0] = now;
            }
            return now - stableSince[0] >= TimeUnit.SECONDS.toNanos(1);
        }, WAIT);
        int n = 500;
        for (int i = 0; i < n; i++) {
            for (NettyNetwork node : nodes) {
                assertEquals(3, node.broadcast("block", seq(i, 64)));
            }
        }
        await("every node got every broadcast", () -> recorders.stream().allMatch(r -> r.total.get() == 3 * n), WAIT);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                if (i != j) {
                    assertInOrder(recorders.get(i).from(nodes.get(j).self()), n);
                }
            }
        }
    }

    @Test
    void duplicateConnectionsResolveToTheOneDialedByTheSmallerId() throws Exception {
        int pa = TestChain.freePort();
        int pb = TestChain.freePort();
        NettyNetwork a = chain.start(chain.node(), pa, "127.0.0.1:" + pb);
        NettyNetwork b = chain.start(chain.node(), pb, "127.0.0.1:" + pa);
        // Both dials got through the handshake, so two connections existed at some point.
        await("both dialed each other", () -> a.dialTargets().get(0).knownId() != null
                && b.dialTargets().get(0).knownId() != null, WAIT);
        await("one connection between a and b",
                () -> connected(a, 1) && connected(b, 1) && a.openChannels() == 1 && b.openChannels() == 1, WAIT);
        NettyNetwork smaller = a.self().compareTo(b.self()) < 0 ? a : b;
        NettyNetwork larger = smaller == a ? b : a;
        assertTrue(smaller.peers().get(0).outbound(), "the smaller id's node dialed the kept connection");
        assertFalse(larger.peers().get(0).outbound());
        Recorder r = new Recorder();
        handle(larger, "t", r);
        assertTrue(smaller.send(larger.self(), "t", seq(0, 4)));
        await("message over the kept connection", () -> r.total.get() == 1, WAIT);
        // The larger node keeps watching its address but must not open a second connection.
        long attempts = larger.dialTargets().get(0).attempts();
        assertEquals(1, larger.openChannels());
        assertTrue(attempts >= 1);
    }

    @Test
    void nodeWithACertificateOfAnotherCaIsRefused() throws Exception {
        TestChain other = new TestChain(dir.resolve("other"));
        NettyNetwork a = chain.start(chain.node(), 0);
        NettyNetwork rogue = other.start(other.node(), 0, at(a));
        try {
            await("the rogue's handshakes fail on both ends",
                    () -> rogue.handshakeFailures() >= 2 && a.handshakeFailures() >= 2, WAIT);
            assertFalse(connected(a, 1));
            assertTrue(a.peers().isEmpty(), "the rogue never enters the peer table: " + a.peers());
            assertFalse(rogue.peers().get(0).connected());
        } finally {
            other.close();
        }
    }

    @Test
    void certificateWithoutNodeIdIsRefused() throws Exception {
        NettyNetwork a = chain.start(chain.node(), 0);
        TestChain.Node anonymous = chain.node("0x" + "ab".repeat(64), false);
        try (SSLSocket s = rawClient(anonymous, a)) {
            s.startHandshake();
            assertClosedByPeer(s);
        }
        await("refused", () -> a.handshakeFailures() >= 1, WAIT);
        assertTrue(a.peers().isEmpty());
    }

    @Test
    void ownAddressIsRecognisedAndNotDialedAgain() throws Exception {
        int p = TestChain.freePort();
        NettyNetwork a = chain.start(chain.node(), p, "127.0.0.1:" + p);
        await("own address recognised", () -> a.dialTargets().get(0).isSelf(), WAIT);
        long attempts = a.dialTargets().get(0).attempts();
        assertTrue(a.peers().isEmpty(), a.peers().toString());
        assertTrue(a.health().detail().contains("0 of 0"), a.health().detail());
        assertEquals(attempts, a.dialTargets().get(0).attempts());
    }

    @Test
    void garbageFromAPeerClosesOnlyItsConnectionAndBrokenFramesAfterTheHelloAreReported() throws Exception {
        TestChain.TestConfig ca = new TestChain.TestConfig();
        NettyNetwork a = chain.start(chain.node(), ca);
        NettyNetwork b = chain.start(chain.node(), 0, at(a));
        Recorder ra = new Recorder();
        handle(a, "t", ra);
        await("a and b connected", () -> connected(a, 1), WAIT);

        // Each case: what a certified but broken peer sends after the TLS handshake.
        List<byte[][]> cases = List.of(
                new byte[][] {hello(1), frame(200, new byte[10])},                    // topic runs past the frame
                new byte[][] {hello(1), ByteBuffer.allocate(4).putInt(1024 * 1024 + 1).array()}, // oversized
                new byte[][] {frame("t", new byte[4])},                                // no hello first
                new byte[][] {helloWithMagic(0x12345678)},                             // unknown hello
                new byte[][] {hello(1), hello(1)},                                     // a second hello
                new byte[][] {hello(1), frame("bad topic", new byte[1])});             // topic not printable
        long malformedBefore = a.malformedFrames();
        List<TestChain.Node> senders = new ArrayList<>();
        for (byte[][] sendThis : cases) {
            TestChain.Node bad = chain.node(); // each its own node: a banned one would be refused before it spoke
            senders.add(bad);
            try (SSLSocket s = rawClient(bad, a)) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                for (byte[] chunk : sendThis) {
                    out.write(chunk);
                }
                out.flush();
                assertClosedByPeer(s);
            }
        }
        await("every broken connection counted", () -> a.malformedFrames() >= malformedBefore + cases.size(), WAIT);
        // Only a frame that does not decode after a negotiated hello proves misbehaviour (an unknown hello may be a
        // newer version, an oversized frame another configuration): those senders are reported to the reputation
        // (a second hello is such a frame: no topic decodes from it).
        List<String> reported = ca.reputation.reports.stream().map(r -> r.peerId()).toList();
        assertEquals(List.of(senders.get(0).id(), senders.get(4).id(), senders.get(5).id()), reported);
        assertTrue(ca.reputation.reports.get(0).reason().startsWith("malformed frame"), ca.reputation.reports.toString());
        assertEquals("network", ca.reputation.reports.get(0).reporter());
        // b never noticed: still the same connection, still delivering.
        assertTrue(connected(a, 1) && connected(b, 1));
        assertTrue(b.send(a.self(), "t", seq(0, 4)));
        await("b still delivers", () -> ra.total.get() == 1, WAIT);
    }

    @Test
    void aPeerWhoseMessageBreaksTheHandlerIsDisconnectedAndMayReconnect() throws Exception {
        NettyNetwork a = chain.start(chain.node(), 0);
        NettyNetwork b = chain.start(chain.node(), 0, at(a));
        Recorder ok = new Recorder();
        handle(a, "t", (peer, topic, payload) -> {
            if (payload.length == 1) {
                throw new IllegalArgumentException("not a message");
            }
            ok.onMessage(peer, topic, payload);
        });
        await("connected", () -> connected(a, 1) && connected(b, 1), WAIT);
        assertTrue(b.send(a.self(), "t", new byte[1]));
        await("a dropped b", () -> a.malformedFrames() == 1, WAIT);
        await("b reconnected", () -> connected(a, 1) && connected(b, 1), WAIT);
        // b may still be sending on the connection a closed until it notices the close; a message queued there is
        // lost (the network promises order, not delivery across a reconnect), so b sends until one gets through.
        await("delivered after reconnecting", () -> {
            if (ok.total.get() == 0) {
                b.send(a.self(), "t", seq(7, 8));
            }
            return ok.total.get() >= 1;
        }, WAIT);
    }

    @Test
    void aPeerBannedByTheReputationIsDisconnectedRefusedWhileBannedThenLetBack() throws Exception {
        TestChain.Node na = chain.node();
        TestChain.Node nb = chain.node();
        int pa = TestChain.freePort();
        int pb = TestChain.freePort();
        TestChain.TestConfig ca = new TestChain.TestConfig();
        ca.port = pa;
        ca.peers = new String[] {"127.0.0.1:" + pb}; // both dial each other: neither may bring the peer back early
        TestChain.TestConfig cb = new TestChain.TestConfig();
        cb.port = pb;
        cb.peers = new String[] {"127.0.0.1:" + pa};
        NettyNetwork a = chain.start(na, ca);
        NettyNetwork b = chain.start(nb, cb);
        Recorder ra = new Recorder();
        handle(a, "t", ra);
        await("a and b connected", () -> connected(a, 1) && connected(b, 1), WAIT);

        long t0 = System.currentTimeMillis();
        // what the node's reputation does when an engine reports b: ban it, then ask the network to disconnect it
        Network.Ban ban = ca.reputation.penalise(b.self(), "pbft", "PREPARE(h=5) signed by 0x1234 but sent by this peer");
        a.disconnect(b.self(), ban.reason());
        await("a closed the connection with b", () -> !connected(a, 1) && !connected(b, 1), WAIT);
        assertTrue(a.health().detail().contains("refusing 1 peer(s) for misbehaviour"), a.health().detail());
        assertTrue(a.health().detail().contains("signed by 0x1234"), a.health().detail());

        // b keeps dialing (every 50-400 ms): a refuses it each time and does not dial b itself.
        long dialsBefore = a.dialTargets().get(0).attempts();
        long refusedBefore = a.refusedConnections();
        await("b's redials refused by a", () -> {
            if (connected(a, 1) && System.currentTimeMillis() < ban.untilMillis()) {
                throw new AssertionError("b connected during its ban");
            }
            return a.refusedConnections() >= refusedBefore + 2;
        }, WAIT);
        assertFalse(connected(a, 1));
        assertTrue(a.dialTargets().get(0).attempts() <= dialsBefore + 1,
                "a does not dial a refused peer: " + dialsBefore + " -> " + a.dialTargets().get(0).attempts());

        // After the ban it is let back, and messages flow again.
        await("b back after its ban", () -> {
            boolean up = connected(a, 1) && connected(b, 1);
            if (up && System.currentTimeMillis() < ban.untilMillis()) {
                throw new AssertionError("b connected during its ban");
            }
            return up;
        }, WAIT);
        assertTrue(System.currentTimeMillis() - t0 >= 1500);
        assertFalse(a.health().detail().contains("refusing"), a.health().detail());
        await("delivered after the ban", () -> {
            if (ra.total.get() == 0) {
                b.send(a.self(), "t", seq(1, 8));
            }
            return ra.total.get() >= 1;
        }, WAIT);
        // this node itself and no peer are ignored without harm
        a.disconnect(a.self(), "self");
        a.disconnect(null, "nobody");
        assertTrue(connected(a, 1));
    }

    @Test
    void keepalivesHoldIdleConnectionsAndSilentPeersAreDropped() throws Exception {
        TestChain.TestConfig ca = new TestChain.TestConfig();
        ca.keepaliveMs = 200;
        NettyNetwork a = chain.start(chain.node(), ca);
        TestChain.TestConfig cb = new TestChain.TestConfig();
        cb.keepaliveMs = 200;
        cb.peers = new String[] {at(a)};
        NettyNetwork b = chain.start(chain.node(), cb);
        await("connected", () -> connected(a, 1) && connected(b, 1), WAIT);
        long since = a.peers().get(0).connectedSinceMillis();
        TestChain.Node silent = chain.node();
        long t0 = System.nanoTime();
        for (int i = 0; i < 2; i++) {
            try (SSLSocket s = rawClient(silent, a)) {
                s.getOutputStream().write(hello(1));
                s.getOutputStream().flush();
                assertClosedByPeer(s); // it sends a hello and then nothing: dropped after 3 x 200 ms
            }
        }
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(2 * 600), "silent peers dropped too early");
        // Meanwhile a and b exchanged nothing but keepalives, and kept their connection.
        assertTrue(connected(a, 1) && connected(b, 1));
        Network.Peer pb = a.peers().stream().filter(p -> b.self().equals(p.id())).findFirst().orElseThrow();
        assertTrue(pb.connected());
        assertEquals(since, pb.connectedSinceMillis());
    }

    @Test
    void messagesForATopicWithoutHandlerAreDroppedAndCounted() throws Exception {
        NettyNetwork a = chain.start(chain.node(), 0);
        NettyNetwork b = chain.start(chain.node(), 0, at(a));
        Recorder r = new Recorder();
        handle(a, "known", r);
        await("connected", () -> connected(b, 1), WAIT);
        assertTrue(b.send(a.self(), "unknown", seq(0, 4)));
        assertTrue(b.send(a.self(), "known", seq(0, 4)));
        await("known delivered", () -> r.total.get() == 1, WAIT);
        assertEquals(1, a.droppedMessages());
    }

    @Test
    void sendRefusesWhenASlowPeersQueueIsFullAndNeverBlocks() throws Exception {
        TestChain.TestConfig cfg = new TestChain.TestConfig();
        cfg.sendQueueBytes = 1024 * 1024;
        NettyNetwork a = chain.start(chain.node(), cfg);
        NettyNetwork slow = chain.start(chain.node(), 0, at(a));
        CountDownLatch release = new CountDownLatch(1);
        Recorder r = new Recorder();
        handle(slow, "bulk", (peer, topic, payload) -> {
            try {
                release.await(WAIT, TimeUnit.MILLISECONDS); // a handler stuck: its event loop stops reading
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            r.onMessage(peer, topic, payload);
        });
        await("connected", () -> connected(a, 1) && connected(slow, 1), WAIT);
        int accepted = 0;
        long queuedBeforeRefusal = 0;
        try {
            long t0 = System.nanoTime();
            while (a.send(slow.self(), "bulk", seq(accepted, 64 * 1024))) {
                accepted++;
                assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(WAIT), "send never refused");
                // Only this thread adds to the queue, so what peers() shows now is at least what the refused
                // send found: read afterwards, the event loop may already have moved it all into the socket.
                queuedBeforeRefusal = peer(a, slow.self()).queued();
            }
            assertTrue(queuedBeforeRefusal > 1024 * 1024 - 2 * 64 * 1024, "queued " + queuedBeforeRefusal);
            // (A second send right now may or may not be refused: the event loop keeps moving bytes into the
            // socket. What matters is below: the refused message was not queued, so exactly `accepted` arrive.)
        } finally {
            release.countDown();
        }
        int sent = accepted;
        await("the slow peer caught up", () -> r.total.get() == sent, WAIT);
        assertInOrder(r.from(a.self()), sent);
        await("queue drained", () -> peer(a, slow.self()).queued() == 0, WAIT);
        assertTrue(a.send(slow.self(), "bulk", seq(sent, 4)));
    }

    @Test
    void reconnectsAfterThePeerRestarts() throws Exception {
        TestChain.Node na = chain.node();
        NettyNetwork a = chain.start(na, 0);
        int port = a.port();
        NettyNetwork b = chain.start(chain.node(), 0, at(a));
        await("connected", () -> connected(b, 1), WAIT);
        chain.stop(a);
        await("b notices", () -> !connected(b, 1), WAIT);
        NettyNetwork a2 = chain.start(na, port);
        Recorder r = new Recorder();
        handle(a2, "t", r);
        await("b reconnected to the restarted node", () -> connected(b, 1) && connected(a2, 1), WAIT);
        assertTrue(b.send(a2.self(), "t", seq(0, 4)));
        await("delivered", () -> r.total.get() == 1, WAIT);
    }

    @Test
    void differentChainsDoNotConnect() throws Exception {
        TestChain.TestConfig c2 = new TestChain.TestConfig();
        c2.chainId = 2;
        NettyNetwork a = chain.start(chain.node(), 0);
        c2.peers = new String[] {at(a)};
        NettyNetwork b = chain.start(chain.node(), c2);
        await("b tried twice", () -> b.dialTargets().get(0).attempts() >= 2, WAIT);
        assertFalse(connected(a, 1));
        assertFalse(connected(b, 1));
    }

    @Test
    void deactivateFreesThePortAndStopsItsThreads() throws Exception {
        NettyNetwork a = chain.start(chain.node(), 0);
        NettyNetwork b = chain.start(chain.node(), 0, at(a));
        await("connected", () -> connected(a, 1), WAIT);
        List<Thread> threads = a.threads();
        assertFalse(threads.isEmpty());
        int port = a.port();
        chain.stop(a);
        for (Thread t : threads) {
            assertFalse(t.isAlive(), t.getName() + " still alive after deactivate");
        }
        assertFalse(a.health().ready());
        assertFalse(a.send(b.self(), "t", new byte[1]));
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(port, s.getLocalPort());
        }
    }

    @Test
    void badInputIsRefusedWithAClearMessage() throws Exception {
        NettyNetwork a = chain.start(chain.node(), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.send("0x00", "t", new byte[a.maxPayload() + 1]));
        assertTrue(e.getMessage().contains("maxPayload"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.send("0x00", "no spaces", new byte[1]));
        assertTrue(e.getMessage().contains("topic"), e.getMessage());
        assertFalse(a.send("0x00", "t", new byte[1]), "unknown peer");

        TestChain.Node n = chain.node();
        TestChain.TestConfig c = new TestChain.TestConfig();
        c.peers = new String[] {"nonsense"};
        e = assertThrows(IllegalArgumentException.class, () -> chain.start(n, c));
        assertTrue(e.getMessage().contains("nonsense"), e.getMessage());
        TestChain.TestConfig c2 = new TestChain.TestConfig();
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> {
            c2.caCert = dir.resolve("nowhere.crt").toString();
            c2.nodeCert = n.nodeCert().toString();
            c2.nodeKey = n.nodeKey().toString();
            new NettyNetwork(null, c2, c2.reputation);
        });
        assertTrue(missing.getMessage().contains("nowhere.crt"), missing.getMessage());
        TestChain.TestConfig c3 = new TestChain.TestConfig();
        c3.port = a.port();
        IllegalStateException busy = assertThrows(IllegalStateException.class, () -> chain.start(n, c3));
        assertTrue(busy.getMessage().contains(":" + a.port()), busy.getMessage());
    }

    // ---- a hand-made TLS peer

    private static SSLSocket rawClient(TestChain.Node n, NettyNetwork target) throws Exception {
        SSLSocket s = (SSLSocket) TestChain.clientContext(n).getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), target.port());
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
        s.setSoTimeout((int) WAIT);
        return s;
    }

    /** Reads (the node's hello, perhaps) until the node closes the connection. */
    private static void assertClosedByPeer(SSLSocket s) {
        try {
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] buf = new byte[4096];
            while (in.read(buf) >= 0) {
                // keep reading
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the node did not close the connection", e);
        } catch (IOException e) {
            // closed with a TLS alert or a reset: closed all the same
        }
    }

    private static byte[] hello(long chainId) {
        return ByteBuffer.allocate(4 + 1 + Wire.HELLO_BYTES).putInt(1 + Wire.HELLO_BYTES).put((byte) 0)
                .putInt(Wire.MAGIC).putLong(chainId).putShort((short) 1).putShort((short) 1).array();
    }

    private static byte[] helloWithMagic(int magic) {
        return ByteBuffer.allocate(4 + 1 + Wire.HELLO_BYTES).putInt(1 + Wire.HELLO_BYTES).put((byte) 0)
                .putInt(magic).putLong(1).putShort((short) 1).putShort((short) 1).array();
    }

    private static byte[] frame(String topic, byte[] payload) {
        byte[] t = topic.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(4 + 1 + t.length + payload.length).putInt(1 + t.length + payload.length)
                .put((byte) t.length).put(t).put(payload).array();
    }

    /** A frame whose topic length says more than the frame holds. */
    private static byte[] frame(int topicLength, byte[] rest) {
        return ByteBuffer.allocate(4 + 1 + rest.length).putInt(1 + rest.length).put((byte) topicLength).put(rest).array();
    }
}
