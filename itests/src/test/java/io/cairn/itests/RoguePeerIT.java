package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.SignedTransfer;
import io.cairn.itests.RoguePeer.Frame;
import io.cairn.itests.RoguePeer.Pbft;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import org.junit.Test;

/**
 * A real four-node PBFT chain on loopback with a rogue peer run by the test, while valid transfers flow:
 * <ol>
 * <li>with a certificate of the chain's CA for a key of its own, the rogue sends frames that break the wire
 * format (garbage instead of the hello, a foreign chain, no common version, topics running past the frame or
 * unprintable, oversized and empty frames, a second hello, bytes that are not TLS): each connection is closed
 * by the node;</li>
 * <li>on connections the nodes admitted: a FETCH as a non-sealer (refused, but it stays connected); from keys of
 * their own, malformed sync payloads, a lie about its height to sync answered with a bad block, and bad
 * transaction gossip; then malformed PBFT messages, forged and corrupted signatures, votes with a key that is no
 * sealer's, each kind from a rogue key of its own, and replays of genuine PBFT messages it was sent: each of
 * these proves misbehaviour, so the engine that saw it reports the key to the node's peer reputation, which bans
 * it node-wide: every node closes that connection, lists the ban with the reporter's reason (getPeers) and
 * refuses the key while it lasts (a new connection is closed after the TLS handshake);</li>
 * <li>with node3 stopped, it takes node3's real key, sends stale and future votes (no penalty: it stays
 * connected), then votes two ways at once (PREPARE and COMMIT for two different block hashes at the current
 * height and view): every node sees the equivocation and disconnects node3's key;</li>
 * <li>clients holding certificates of another CA (or none) cannot connect at all.</li>
 * </ol>
 * Then: the chain kept committing (every background transfer has its receipt), the live nodes hold the same
 * blocks and state roots, every seal is a listed sealer's and verifies, the nodes saw and refused the bad
 * input (consensus and sync counters, log lines) and node3, restarted, catches up once its back-off ends.
 */
public class RoguePeerIT {
    static final int NODES = 4;
    static final List<Integer> LIVE = List.of(0, 1, 2);
    static final Duration COMMIT = Duration.ofSeconds(30);
    static final Duration CLOSED = Duration.ofSeconds(10);
    /** How long a node refuses a peer banned for misbehaviour the first time (the reputation's banMinMs). */
    static final Duration BAN = Duration.ofSeconds(30);
    /** The funded accounts the background load spends from; carol is kept for the rogue's forged transfers. */
    static final List<String> ACCOUNTS = List.of("alice", "bob");
    /** Bounds the rogue's equivocation attempts (a height can pass between reading it and voting). */
    static final int EQUIVOCATION_ROUNDS = 8;

    private final SecureRandom random = new SecureRandom();
    private Path dir;
    private LocalChain chain;
    private List<RpcClient> rpcs;
    private final List<String> nodeIds = new ArrayList<>();
    private final List<RoguePeer> rogues = new CopyOnWriteArrayList<>();
    private int p2p;
    private CryptoSuite suite;
    private long chainId;
    private List<String> sealers;
    private byte[] genesisHash;
    private Load load;
    /** What each attack did, for the report printed at the end. */
    private final Map<String, String> outcomes = new LinkedHashMap<>();
    /** The kinds of provably bad PBFT message sent, each by a rogue of its own (each must be penalised). */
    private int penalisingKinds;
    /** Keys of their own for the bad sync data and the bad gossip: either gets its key banned node-wide. */
    private RogueCertificates.Identity syncRogue;
    private RogueCertificates.Identity gossipRogue;

    @Test
    public void roguePeerLeavesTheChainUnaffected() throws Exception {
        long started = System.nanoTime();
        chain = LocalChain.init("rogue", NODES);
        dir = chain.dir;
        rpcs = chain.rpcs;
        p2p = chain.p2pPort;
        for (int i = 0; i < NODES; i++) {
            nodeIds.add(Files.readString(dir.resolve("node" + i + "/keys/node.pub"), StandardCharsets.US_ASCII).strip().toLowerCase(Locale.ROOT));
        }
        try {
            startAll();
            Map<String, Object> info = map(rpcs.get(0).call("getNodeInfo"));
            suite = Suites.byName((String) info.get("suite"));
            chainId = asLong(info.get("chainId"));
            sealers = new ArrayList<>();
            for (Object s : (List<?>) rpcs.get(0).call("getSealerList")) {
                sealers.add(String.valueOf(s).toLowerCase(Locale.ROOT));
            }
            assertEquals("the genesis names the four nodes as sealers", new HashSet<>(nodeIds), new HashSet<>(sealers));
            genesisHash = Bytes.fromHex(String.valueOf(map(rpcs.get(0).call("getBlockByNumber", 0, false)).get("hash")));

            load = new Load();
            load.start();
            await("the first blocks of the load", COMMIT, () -> rpcs.get(0).blockNumber() >= 2 ? Boolean.TRUE : null);
            long heightBefore = rpcs.get(0).blockNumber();
            Map<Integer, Map<String, Object>> consensusBefore = statuses("getConsensusStatus");

            RogueCertificates.Authority chainCa = RogueCertificates.chainAuthority(dir);
            Account rogueKey = Account.generate("rogue", suite);
            RogueCertificates.Identity rogue = RogueCertificates.issue(chainCa, rogueKey.publicKey());
            syncRogue = RogueCertificates.issue(chainCa, Account.generate("sync-rogue", suite).publicKey());
            gossipRogue = RogueCertificates.issue(chainCa, Account.generate("gossip-rogue", suite).publicKey());
            SSLContext rogueTls = RogueCertificates.clientContext(rogue, chainCa.certificate());

            Map<String, Integer> expectedLog = new LinkedHashMap<>();
            breakTheWireFormat(chainCa, expectedLog);
            List<String> badTxs = sendBadPayloads(rogueTls, rogue.nodeId(), rogueKey, chainCa);
            equivocateAsNode3(chainCa);
            refuseForeignCertificates(chainCa);

            // The chain went on through all of it.
            load.stop();
            assertTrue("the chain advanced under attack: " + heightBefore + " -> " + rpcs.get(0).blockNumber(),
                    rpcs.get(0).blockNumber() >= heightBefore + 5);
            load.awaitReceipts(LIVE);
            for (String hash : badTxs) {
                for (int n : LIVE) {
                    assertNull("refused transaction " + hash + " has no receipt on node" + n, rpcs.get(n).receipt(hash));
                }
            }
            assertSameSealedChain(LIVE);

            // The nodes saw the bad input and refused it.
            Map<Integer, Map<String, Object>> consensusAfter = statuses("getConsensusStatus");
            Map<Integer, Map<String, Object>> syncAfter = statuses("getSyncStatus");
            for (int n : LIVE) {
                Map<String, Object> b = consensusBefore.get(n);
                Map<String, Object> a = consensusAfter.get(n);
                assertTrue("node" + n + " saw node3's equivocation: " + a, asLong(a.get("equivocationsSeen")) > asLong(b.get("equivocationsSeen")));
                assertTrue("node" + n + " rejected bad PBFT messages: " + a,
                        asLong(a.get("messagesRejected")) >= asLong(b.get("messagesRejected")) + 5);
                // each rogue of its own kind, the rogue that replayed votes, and node3's key
                assertTrue("node" + n + " penalised and disconnected every misbehaving peer: " + a,
                        asLong(a.get("peersDisconnected")) >= asLong(b.get("peersDisconnected")) + penalisingKinds + 2);
                Map<String, Object> s = syncAfter.get(n);
                assertTrue("node" + n + " counted a bad sync message or block: " + s,
                        asLong(s.get("badMessages")) + asLong(s.get("badBlocks")) >= 1);
                outcomes.put("node" + n + " consensus counters", "equivocationsSeen " + b.get("equivocationsSeen") + " -> "
                        + a.get("equivocationsSeen") + ", messagesRejected " + b.get("messagesRejected") + " -> "
                        + a.get("messagesRejected") + ", messagesDropped " + a.get("messagesDropped") + ", failures "
                        + a.get("failures") + ", viewChanges " + a.get("viewChanges") + ", peersDisconnected "
                        + b.get("peersDisconnected") + " -> " + a.get("peersDisconnected") + ", messagesIgnored "
                        + a.get("messagesIgnored") + ", lastRejection: " + a.get("lastRejection"));
                outcomes.put("node" + n + " sync counters", "badMessages " + s.get("badMessages") + ", badBlocks "
                        + s.get("badBlocks") + ", penalisedPeers " + s.get("penalisedPeers") + ", timeouts " + s.get("timeouts"));
                assertEquals("node" + n + "'s consensus thread never failed on rogue input", 0L, asLong(a.get("failures")));
            }
            Map<Integer, List<String>> logs = awaitLogLines(expectedLog, rogue.nodeId());

            // node3 comes back and catches up to the same chain.
            chain.start(3);
            long target = rpcs.get(0).blockNumber();
            // The live nodes refuse node3's key for its first ban (30 s) after its equivocation above.
            await("node3 catches up to block " + target, COMMIT.plus(BAN), () -> rpcs.get(3).blockNumber() >= target ? Boolean.TRUE : null);
            assertSameSealedChain(List.of(0, 1, 2, 3));

            report(logs, heightBefore, started);
        } catch (Throwable t) {
            StringBuilder b = new StringBuilder();
            outcomes.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
            for (CrashRecoveryIT.Launcher l : chain.launchers) {
                b.append(l.diagnostics());
            }
            System.out.println(b);
            throw t;
        } finally {
            if (load != null) {
                load.stop();
            }
            for (RoguePeer r : rogues) {
                r.close();
            }
            chain.stop(true); // diagnostics printed above
        }
    }

    // ---------------------------------------------------------------- 1. frames that break the wire format

    /**
     * One connection per broken frame, each from a key of its own (a frame that does not decode after the hello
     * gets its key banned, which would refuse the next breach before it spoke); the node must close each.
     */
    private void breakTheWireFormat(RogueCertificates.Authority chainCa, Map<String, Integer> expectedLog) throws Exception {
        record Breach(String name, boolean helloFirst, byte[] bytes, String logged) {}
        byte[] notMagic = new Encoder().u32(17).u8(0).u32(0xdeadbeef).u64(chainId).u32(0x00010001).toByteArray();
        int maxFrame = 16 * 1024 * 1024;
        List<Breach> breaches = List.of(
                new Breach("garbage instead of the hello", false, notMagic, "malformed frame: unknown hello (magic 0xdeadbeef)"),
                new Breach("a topic frame instead of the hello", false, frame("pbft", new byte[10]),
                        "malformed frame: first frame is not a hello (topic 'pbft')"),
                new Breach("a hello for another chain", false, hello(chainId + 7, 1, 1), "it is on chain " + (chainId + 7)),
                new Breach("a hello with no common protocol version", false, hello(chainId, 7, 9), "no common protocol version"),
                new Breach("a topic length running past the frame", true, new byte[] {0, 0, 0, 3, (byte) 200, 'a', 'b'},
                        "malformed frame: topic length 200 runs past the frame"),
                new Breach("an unprintable topic", true, new byte[] {0, 0, 0, 4, 2, 0x01, 0x7f, 'x'},
                        "malformed frame: topic is not printable ASCII"),
                new Breach("a frame length of 2 GiB", true, new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 4, 'p'},
                        "oversized frame"),
                new Breach("a frame one byte over maxFrameBytes", true, new Encoder().u32(maxFrame + 1).u8(4).toByteArray(),
                        "oversized frame"),
                new Breach("an empty frame", true, new byte[] {0, 0, 0, 0}, "malformed frame: empty frame"),
                new Breach("a second hello", true, hello(chainId, 1, 1), "malformed frame: a second hello"));
        int k = 0;
        for (Breach b : breaches) {
            int node = LIVE.get(k++ % LIVE.size());
            Account key = Account.generate("breach-" + k, suite);
            SSLContext tls = RogueCertificates.clientContext(RogueCertificates.issue(chainCa, key.publicKey()),
                    chainCa.certificate());
            RoguePeer r = track(RoguePeer.tls("breach-" + k, tls, p2p + node));
            if (b.helloFirst()) {
                r.hello(chainId, 1, 1);
            }
            try {
                r.raw(b.bytes());
            } catch (IOException e) {
                // the node may already have hung up: what counts is that the connection ends
            }
            boolean closed = r.awaitClosed(CLOSED);
            outcomes.put("wire: " + b.name() + " (node" + node + ")", closed ? "connection closed by the node (" + r.closedBy() + ")" : "STILL OPEN");
            assertTrue("node" + node + " closes the connection after " + b.name(), closed);
            expectedLog.merge(b.logged(), 1 << node, (x, y) -> x | y);
            r.close();
        }
        // Bytes that are not TLS at all.
        int node = 0;
        RoguePeer plain = track(RoguePeer.plain("not-tls", p2p + node));
        byte[] garbage = new byte[300];
        random.nextBytes(garbage);
        garbage[0] = 0x16; // a TLS handshake record type, then nonsense
        try {
            plain.raw(garbage);
        } catch (IOException e) {
            // already refused
        }
        boolean closed = plain.awaitClosed(CLOSED);
        outcomes.put("wire: 300 bytes that are not TLS (node0)", closed ? "connection closed by the node (" + plain.closedBy() + ")" : "STILL OPEN");
        assertTrue("node0 closes a connection that does not speak TLS", closed);
        expectedLog.merge("TLS handshake failed", 1, (x, y) -> x | y);
        plain.close();
    }

    // ---------------------------------------------------------------- 2. bad payloads on admitted connections

    /** Returns the hashes of the bad transactions gossiped, which must never be committed. */
    private List<String> sendBadPayloads(SSLContext tls, String rogueId, Account rogueKey, RogueCertificates.Authority chainCa)
            throws Exception {
        List<RoguePeer> peers = new ArrayList<>();
        for (int n : LIVE) {
            RoguePeer r = track(RoguePeer.tls("payloads-node" + n, tls, p2p + n));
            r.hello(chainId, 1, 1);
            peers.add(r);
        }
        for (int n : LIVE) {
            int node = n;
            await("node" + n + " lists the rogue (chain CA certificate) as a connected peer", Duration.ofSeconds(10),
                    () -> connected(node, rogueId) ? Boolean.TRUE : null);
        }
        outcomes.put("admission", "a fresh key with a chain-CA certificate is a connected peer of node0..2 (getPeers)");

        // Genuine PBFT messages the nodes broadcast to the rogue, to replay and corrupt.
        List<Pbft> genuine = new ArrayList<>();
        for (RoguePeer r : peers) {
            Frame f = r.awaitFrame(fr -> fr.topic().equals("pbft") && isVote(fr), COMMIT);
            assertNotNull(r.label + ": the node broadcasts its votes to an admitted peer", f);
        }
        for (RoguePeer r : peers) {
            for (Frame f : r.frames()) {
                if (f.topic().equals("pbft") && isVote(f) && genuine.size() < 12) {
                    genuine.add(Pbft.decode(f.payload()));
                }
            }
        }
        Pbft sample = genuine.get(0);
        byte[] sampleBytes = sample.encode();
        Map<String, Object> status = map(rpcs.get(0).call("getConsensusStatus"));
        long height = asLong(status.get("height"));
        long view = asLong(status.get("view"));
        byte[] someHash = randomBytes(32);

        // A FETCH by a key that is no sealer's: refused (only sealers are answered), but asking proves nothing, so
        // the rogue stays connected. Sync and gossip input below is refused by those engines, never by consensus.
        Map<Integer, Long> rejectedBefore = new HashMap<>();
        for (int n : LIVE) {
            rejectedBefore.put(n, asLong(map(rpcs.get(n).call("getConsensusStatus")).get("messagesRejected")));
        }
        byte[] fetch = Pbft.signed(suite, rogueKey.privateKey(), RoguePeer.FETCH, chainId, 1, 0, new byte[32], new byte[0]).encode();
        for (RoguePeer r : peers) {
            r.frame("pbft", fetch);
        }
        for (int n : LIVE) {
            int node = n;
            await("node" + n + " refuses the non-sealer's FETCH", Duration.ofSeconds(10), () -> asLong(map(rpcs.get(node)
                    .call("getConsensusStatus")).get("messagesRejected")) > rejectedBefore.get(node) ? Boolean.TRUE : null);
            assertTrue("node" + n + " keeps a peer that only asked (FETCH) as a non-sealer", connected(n, rogueId));
        }
        outcomes.put("pbft: a fetch by a non-sealer", "refused by node0..2; the rogue stays connected");

        // Sync, from a key of its own (bad data gets a key banned node-wide, and the rogue above must stay
        // connected for the replays below): node0 is told of a height the liar does not have, asks it for blocks
        // and gets garbage; node1 and node2 get malformed sync messages first. A peer caught once is banned, so
        // each node sees one fault that counts; what follows on the closing connection is ignored.
        List<RoguePeer> syncPeers = admitted(chainCa, "sync-rogue", syncRogue);
        RoguePeer liar = syncPeers.get(0);
        liar.frame("sync", new Encoder().u8(1).u8(1).u64(height + 500).fixed(randomBytes(32)).fixed(genesisHash).toByteArray());
        Frame ask = liar.awaitFrame(f -> f.topic().equals("sync") && f.payload().length == 14 && f.payload()[1] == 2, Duration.ofSeconds(15));
        if (ask != null) {
            Decoder d = new Decoder(ask.payload(), "get blocks");
            d.u8("version");
            d.u8("type");
            long from = d.u64("from");
            liar.frame("sync", new Encoder().u8(1).u8(3).u64(from).u32(1).bytes(randomBytes(300)).toByteArray());
            outcomes.put("sync: a STATUS claiming height " + (height + 500) + " (node0)",
                    "node0 asked the rogue for blocks from " + from + "; the rogue answered with a 300-byte garbage block");
        } else {
            outcomes.put("sync: a STATUS claiming height " + (height + 500) + " (node0)", "node0 never asked the rogue for blocks within 15 s");
        }
        Map<String, byte[]> sync = new LinkedHashMap<>();
        sync.put("GET_BLOCKS for 0 blocks", new Encoder().u8(1).u8(2).u64(1).u32(0).toByteArray());
        sync.put("an unknown sync type", new Encoder().u8(1).u8(9).u64(1).toByteArray());
        sync.put("BLOCKS claiming a million blocks", new Encoder().u8(1).u8(3).u64(1).u32(1_000_000).toByteArray());
        sync.put("a truncated STATUS", new Encoder().u8(1).u8(1).u64(5).toByteArray());
        sync.put("7 random bytes", new byte[] {1, 1, 7, 7, 7, 7, 7});
        sync.put("unasked BLOCKS", new Encoder().u8(1).u8(3).u64(height).u32(1).bytes(randomBytes(64)).toByteArray());
        frameOrHangUp(syncPeers.get(1), "sync", sync.get("GET_BLOCKS for 0 blocks"));
        frameOrHangUp(syncPeers.get(2), "sync", sync.get("an unknown sync type"));
        for (RoguePeer r : syncPeers) {
            for (byte[] payload : sync.values()) {
                frameOrHangUp(r, "sync", payload);
            }
        }
        outcomes.put("sync: malformed (" + sync.size() + " kinds x 3 nodes)", String.join("; ", sync.keySet()));
        assertBanned(syncPeers, syncRogue.nodeId(), "sync: ");

        // Transaction gossip: broken batches, and well-formed batches of transactions that must be refused.
        // carol's transfers carry her next nonce, so only the signature or the chain id stands in their way.
        Account carol = Account.of("carol", KeyFiles.read(dir.resolve("node0/keys/accounts/carol.key")), suite);
        long carolNonce = rpcs.get(0).nonce(carol.address());
        Address to = Account.generate("sink", suite).address();
        SignedTransfer flipped = ChainTestSupport.transfer(suite, chainId, carol, carolNonce, to, BigInteger.TEN);
        byte[] flippedTx = Bytes.fromHex(flipped.hex());
        flippedTx[flippedTx.length - 10] ^= 0x01; // inside the signature, the last 64 bytes
        SignedTransfer otherChain = ChainTestSupport.transfer(suite, chainId + 1, carol, carolNonce, to, BigInteger.TEN);
        SignedTransfer noFunds = ChainTestSupport.transfer(suite, chainId, rogueKey, 0, to, BigInteger.TEN);
        Map<String, byte[]> tx = new LinkedHashMap<>();
        tx.put("a count of 2^32-1", new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0});
        tx.put("a count of 2 with one transaction", new Encoder().u32(2).bytes(Bytes.fromHex(noFunds.hex())).toByteArray());
        tx.put("a transaction of random bytes", new Encoder().u32(1).bytes(randomBytes(180)).toByteArray());
        tx.put("a transfer with a flipped signature bit", new Encoder().u32(1).bytes(flippedTx).toByteArray());
        tx.put("a transfer for another chain", new Encoder().u32(1).bytes(Bytes.fromHex(otherChain.hex())).toByteArray());
        tx.put("a transfer from an account with no funds", new Encoder().u32(1).bytes(Bytes.fromHex(noFunds.hex())).toByteArray());
        // Gossip, from a key of its own too: a batch that does not decode, or a transaction that is malformed,
        // another chain's or wrongly signed, gets the gossiping key banned (refusals for the node's own state do not).
        List<RoguePeer> gossipPeers = admitted(chainCa, "gossip-rogue", gossipRogue);
        for (RoguePeer r : gossipPeers) {
            frameOrHangUp(r, "no-such-topic", randomBytes(64));
            for (byte[] payload : tx.values()) {
                frameOrHangUp(r, "tx", payload);
            }
        }
        outcomes.put("tx: bad gossip (" + tx.size() + " kinds x 3 nodes) and a frame on an unknown topic", String.join("; ", tx.keySet()));
        assertBanned(gossipPeers, gossipRogue.nodeId(), "txpool: ");

        // Malformed and wrongly signed PBFT messages, each kind from a rogue of its own (a chain-CA certificate for a
        // fresh key) to every live node: each proves its sender misbehaves, so each node closes that connection and
        // refuses the key for a while. Messages signed by a sealer but sent by the rogue are caught by the sender
        // binding (the signer must be the TLS peer); the rogue's own messages by the sealer list or the signature.
        Map<String, java.util.function.Function<Account, byte[]>> pbft = new LinkedHashMap<>();
        pbft.put("40 random bytes", k -> randomBytes(40));
        pbft.put("an unknown version", k -> withByte(sampleBytes, 0, 9));
        pbft.put("an unknown type", k -> withByte(sampleBytes, 1, 99));
        pbft.put("a truncated message", k -> Arrays.copyOf(sampleBytes, sampleBytes.length / 2));
        pbft.put("trailing bytes", k -> Arrays.copyOf(sampleBytes, sampleBytes.length + 3));
        pbft.put("a body length beyond the message", k -> bodyLengthLie(sample));
        pbft.put("another chain's vote", k -> Pbft.signed(suite, k.privateKey(), RoguePeer.PREPARE, chainId + 1, height, view, someHash, new byte[0]).encode());
        pbft.put("a vote by a key that is no sealer's", k -> Pbft.signed(suite, k.privateKey(), RoguePeer.PREPARE, chainId, height, view, someHash, new byte[0]).encode());
        pbft.put("a commit by a key that is no sealer's", k -> Pbft.signed(suite, k.privateKey(), RoguePeer.COMMIT, chainId, height, view, someHash,
                suite.sign(someHash, k.privateKey())).encode());
        pbft.put("node1's vote signed with the rogue's key", k -> new Pbft(1, RoguePeer.PREPARE, chainId, height, view, someHash, Bytes.fromHex(nodeIds.get(1)), new byte[0],
                suite.sign(suite.hash(Pbft.unsigned(1, RoguePeer.PREPARE, chainId, height, view, someHash, Bytes.fromHex(nodeIds.get(1)), new byte[0])),
                        k.privateKey())).encode());
        for (Pbft g : genuine.subList(0, Math.min(4, genuine.size()))) {
            pbft.put("a genuine " + typeName(g.type()) + " (h=" + g.height() + ", from " + Bytes.toHex(g.sender()).substring(0, 10)
                    + ") with one signature bit flipped", k -> g.withFlippedSignature().encode());
        }
        pbft.put("a pre-prepare out of turn by a non-sealer", k -> Pbft.signed(suite, k.privateKey(), RoguePeer.PRE_PREPARE, chainId, height, view,
                someHash, randomBytes(100)).encode());
        penalisingKinds = pbft.size();
        int kindNo = 0;
        for (Map.Entry<String, java.util.function.Function<Account, byte[]>> kind : pbft.entrySet()) {
            kindNo++;
            Account key = Account.generate("rogue-pbft-" + kindNo, suite);
            SSLContext kindTls = RogueCertificates.clientContext(RogueCertificates.issue(chainCa, key.publicKey()), chainCa.certificate());
            byte[] payload = kind.getValue().apply(key);
            Map<Integer, RoguePeer> sent = new LinkedHashMap<>();
            for (int n : LIVE) {
                RoguePeer r = track(RoguePeer.tls("pbft-" + kindNo + "-node" + n, kindTls, p2p + n));
                r.hello(chainId, 1, 1);
                try {
                    r.frame("pbft", payload);
                } catch (IOException e) {
                    // the node hung up already: what counts is that the connection ends
                }
                sent.put(n, r);
            }
            List<String> how = new ArrayList<>();
            for (Map.Entry<Integer, RoguePeer> e : sent.entrySet()) {
                boolean closed = e.getValue().awaitClosed(CLOSED);
                how.add("node" + e.getKey() + ": " + (closed ? "closed (" + e.getValue().closedBy() + ")" : "STILL OPEN"));
                assertTrue("node" + e.getKey() + " disconnects a peer that sent " + kind.getKey(), closed);
                e.getValue().close();
            }
            outcomes.put("pbft: " + kind.getKey(), String.join("; ", how));
        }

        // Replays: once the chain has moved past them, the genuine messages again, verbatim, to every node.
        long replayAbove = genuine.stream().mapToLong(Pbft::height).max().orElseThrow() + 1;
        await("the chain passes the captured votes' heights", COMMIT,
                () -> LIVE.stream().allMatch(n -> rpcs.get(n).blockNumber() >= replayAbove) ? Boolean.TRUE : null);
        int decidedBefore = decidedCount(peers);
        for (RoguePeer r : peers) {
            try {
                for (Pbft g : genuine) {
                    r.frame("pbft", g.encode());
                }
            } catch (IOException e) {
                // the node hung up after the first: it was not signed by the rogue
            }
        }
        int replays = genuine.size() * peers.size();
        Frame decided = null;
        for (RoguePeer r : peers) {
            decided = decided != null ? decided : r.awaitFrame(f -> f.topic().equals("pbft") && f.payload().length > 1
                    && f.payload()[1] == RoguePeer.DECIDED, Duration.ofSeconds(1));
        }
        outcomes.put("pbft: " + replays + " genuine votes replayed after their height by a peer that did not sign them",
                (decidedCount(peers) - decidedBefore) + " DECIDED answers" + (decided == null ? " (none within 5 s)" : ""));

        // Votes it did not sign, from the rogue: every node disconnects it and its consensus lists it as penalised.
        for (int i = 0; i < peers.size(); i++) {
            RoguePeer r = peers.get(i);
            int node = LIVE.get(i);
            boolean closed = r.awaitClosed(CLOSED);
            outcomes.put("connection after bad payloads (node" + node + ")", closed ? "closed by the node (" + r.closedBy() + ")"
                    : "kept open; still listed by getPeers: " + connected(node, rogueId));
            assertTrue("node" + node + " closes the connection of a peer that replays votes it did not sign", closed);
            await("node" + node + " no longer lists the rogue as connected", Duration.ofSeconds(10),
                    () -> connected(node, rogueId) ? null : Boolean.TRUE);
            String penalty = refusal(node, rogueId);
            assertNotNull("node" + node + " bans the rogue (getPeers refused)", penalty);
            assertTrue("node" + node + "'s consensus reported the rogue for sending another node's vote: " + penalty,
                    penalty.startsWith("pbft: ") && penalty.contains("not by the peer that sent it"));
            r.close();
        }
        // And it cannot come straight back: the node refuses the key for its back-off.
        RoguePeer back = track(RoguePeer.tls("payloads-again", tls, p2p + LIVE.get(0)));
        try {
            back.hello(chainId, 1, 1);
        } catch (IOException e) {
            // refused while writing
        }
        assertTrue("node0 refuses the penalised rogue's new connection", back.awaitClosed(CLOSED));
        assertTrue("node0 sends no hello to a refused peer", back.frames().stream().noneMatch(RoguePeer::isHello));
        outcomes.put("reconnection of the penalised rogue (node0)", "refused after the TLS handshake (" + back.closedBy() + ")");
        back.close();
        assertEquals("carol's forged transfers left her nonce alone", carolNonce, rpcs.get(0).nonce(carol.address()));
        return List.of(flipped.hash(), otherChain.hash(), noFunds.hash());
    }

    // ---------------------------------------------------------------- 3. node3's real key, voting two ways

    private void equivocateAsNode3(RogueCertificates.Authority chainCa) throws Exception {
        chain.kill(3);
        byte[] key3 = KeyFiles.read(dir.resolve("node3/keys/node.key"));
        String id3 = nodeIds.get(3);
        assertEquals("node3's key file matches its public key", id3, Bytes.toHex(suite.publicKey(key3)).toLowerCase(Locale.ROOT));
        SSLContext tls = RogueCertificates.clientContext(RogueCertificates.issue(chainCa, suite.publicKey(key3)), chainCa.certificate());
        Map<Integer, RoguePeer> as3 = new HashMap<>();
        for (int n : LIVE) {
            RoguePeer r = track(RoguePeer.tls("node3-to-node" + n, tls, p2p + n));
            r.hello(chainId, 1, 1);
            as3.put(n, r);
        }
        for (int n : LIVE) {
            int node = n;
            await("node" + n + " takes the rogue for node3", Duration.ofSeconds(10), () -> connected(node, id3) ? Boolean.TRUE : null);
        }
        // First what a lagging or hurried sealer sends too: votes for heights long past and far ahead. They prove
        // nothing, so node3 stays connected (were it disconnected, its equivocation below would go unseen).
        Map<String, Object> s0 = map(rpcs.get(0).call("getConsensusStatus"));
        long h0 = asLong(s0.get("height"));
        byte[] c0 = randomBytes(32);
        Map<String, byte[]> honestLooking = new LinkedHashMap<>();
        honestLooking.put("a prepare for block 1, long committed", Pbft.signed(suite, key3, RoguePeer.PREPARE, chainId, 1, 0, c0, new byte[0]).encode());
        honestLooking.put("a commit for block 1, long committed", Pbft.signed(suite, key3, RoguePeer.COMMIT, chainId, 1, 0, c0, suite.sign(c0, key3)).encode());
        honestLooking.put("a vote a million heights ahead", Pbft.signed(suite, key3, RoguePeer.PREPARE, chainId, h0 + 1_000_000, 0, c0, new byte[0]).encode());
        for (RoguePeer r : as3.values()) {
            for (byte[] payload : honestLooking.values()) {
                r.frame("pbft", payload);
            }
        }
        outcomes.put("pbft: node3-signed stale and future votes (" + honestLooking.size() + " kinds x 3 nodes)",
                String.join("; ", honestLooking.keySet()));
        Map<Integer, Long> seenBefore = new HashMap<>();
        for (int n : LIVE) {
            seenBefore.put(n, asLong(map(rpcs.get(n).call("getConsensusStatus")).get("equivocationsSeen")));
        }
        long heightAtStart = rpcs.get(0).blockNumber();
        int rounds = 0;
        Set<Integer> caught = new HashSet<>();
        while (caught.size() < LIVE.size() && rounds < EQUIVOCATION_ROUNDS) {
            rounds++;
            for (int n : LIVE) {
                if (caught.contains(n)) {
                    continue;
                }
                Map<String, Object> s = map(rpcs.get(n).call("getConsensusStatus"));
                long h = asLong(s.get("height"));
                long v = asLong(s.get("view"));
                // This height and view, and the next height (buffered until the node gets there).
                for (long[] at : new long[][] {{h, v}, {h + 1, 0}}) {
                    byte[] a = randomBytes(32);
                    byte[] b = randomBytes(32);
                    RoguePeer r = as3.get(n);
                    try {
                        r.frame("pbft", Pbft.signed(suite, key3, RoguePeer.PREPARE, chainId, at[0], at[1], a, new byte[0]).encode());
                        r.frame("pbft", Pbft.signed(suite, key3, RoguePeer.PREPARE, chainId, at[0], at[1], b, new byte[0]).encode());
                        r.frame("pbft", Pbft.signed(suite, key3, RoguePeer.COMMIT, chainId, at[0], at[1], a, suite.sign(a, key3)).encode());
                        r.frame("pbft", Pbft.signed(suite, key3, RoguePeer.COMMIT, chainId, at[0], at[1], b, suite.sign(b, key3)).encode());
                    } catch (IOException e) {
                        // the node caught it already and hung up
                    }
                }
            }
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (caught.size() < LIVE.size() && System.nanoTime() < until) {
                for (int n : LIVE) {
                    if (asLong(map(rpcs.get(n).call("getConsensusStatus")).get("equivocationsSeen")) > seenBefore.get(n)) {
                        caught.add(n);
                    }
                }
                LockSupport.parkNanos(100_000_000L); // poll interval; the condition above is what ends the wait
            }
        }
        outcomes.put("pbft: node3's key voting PREPARE and COMMIT for two hashes at once", "sent in " + rounds
                + " round(s) (8 messages per node per round); caught by node(s) " + caught);
        assertEquals("every live node detects node3's equivocation within " + EQUIVOCATION_ROUNDS + " rounds", new HashSet<>(LIVE), caught);

        // Equivocation is proof: each node disconnects node3's key and penalises it (the reason says what it did).
        for (int n : LIVE) {
            RoguePeer r = as3.get(n);
            boolean closed = r.awaitClosed(CLOSED);
            assertTrue("node" + n + " disconnects the equivocating node3", closed);
            String penalty = refusal(n, id3);
            assertNotNull("node" + n + " bans node3's key (getPeers refused)", penalty);
            assertTrue("node" + n + " banned node3 for its equivocation, not for its stale or future votes: " + penalty,
                    penalty.startsWith("pbft: equivocation"));
            outcomes.put("node3 after its equivocation (node" + n + ")", "disconnected (" + r.closedBy() + "); penalised: " + penalty);
        }
        await("the chain goes on past node3's equivocation", COMMIT,
                () -> rpcs.get(0).blockNumber() >= heightAtStart + 3 ? Boolean.TRUE : null);
        for (RoguePeer r : as3.values()) {
            r.close();
        }
        for (int n : LIVE) {
            int node = n;
            await("node" + n + " sees the rogue node3 gone", Duration.ofSeconds(10), () -> connected(node, id3) ? null : Boolean.TRUE);
        }
    }

    // ---------------------------------------------------------------- 4. certificates of another CA

    private void refuseForeignCertificates(RogueCertificates.Authority chainCa) throws Exception {
        RogueCertificates.Authority foreign = RogueCertificates.foreignAuthority("Not this chain");
        Account stranger = Account.generate("stranger", suite);
        RogueCertificates.Identity strangerCert = RogueCertificates.issue(foreign, stranger.publicKey());
        RogueCertificates.Identity impostor = RogueCertificates.issue(foreign, Bytes.fromHex(nodeIds.get(3)));
        Map<String, SSLContext> clients = new LinkedHashMap<>();
        clients.put("a fresh key certified by another CA", RogueCertificates.clientContext(strangerCert, chainCa.certificate()));
        clients.put("node3's key certified by another CA", RogueCertificates.clientContext(impostor, chainCa.certificate()));
        clients.put("no client certificate", RogueCertificates.clientContext(null, chainCa.certificate()));
        for (Map.Entry<String, SSLContext> client : clients.entrySet()) {
            for (int n : LIVE) {
                String outcome;
                try {
                    RoguePeer r = track(RoguePeer.tls("foreign-" + n, client.getValue(), p2p + n));
                    try {
                        r.hello(chainId, 1, 1);
                    } catch (IOException e) {
                        // refused while writing: as good as refused while reading
                    }
                    assertTrue("node" + n + " closes the connection of " + client.getKey(), r.awaitClosed(CLOSED));
                    assertTrue("node" + n + " sends no hello to " + client.getKey(), r.frames().stream().noneMatch(RoguePeer::isHello));
                    outcome = "handshake completed on the client side, then the node closed it without a hello (" + r.closedBy() + ")";
                    r.close();
                } catch (IOException e) {
                    outcome = "handshake refused: " + e;
                }
                outcomes.put("tls: " + client.getKey() + " (node" + n + ")", outcome);
            }
        }
        for (int n : LIVE) {
            for (Object p : (List<?>) rpcs.get(n).call("getPeers")) {
                assertFalse("node" + n + " never lists the foreign-CA stranger as a peer",
                        String.valueOf(map(p).get("id")).equalsIgnoreCase(strangerCert.nodeId()));
            }
            assertFalse("node" + n + " does not take the impostor for node3", connected(n, nodeIds.get(3)));
        }
    }

    /** Connections of a chain-CA-certified key to every live node, each admitted (listed by getPeers). */
    private List<RoguePeer> admitted(RogueCertificates.Authority chainCa, String label, RogueCertificates.Identity id)
            throws Exception {
        SSLContext tls = RogueCertificates.clientContext(id, chainCa.certificate());
        List<RoguePeer> out = new ArrayList<>();
        for (int n : LIVE) {
            RoguePeer r = track(RoguePeer.tls(label + "-node" + n, tls, p2p + n));
            r.hello(chainId, 1, 1);
            out.add(r);
        }
        for (int n : LIVE) {
            int node = n;
            await("node" + n + " lists " + label + " as a connected peer", Duration.ofSeconds(10),
                    () -> connected(node, id.nodeId()) ? Boolean.TRUE : null);
        }
        return out;
    }

    private static void frameOrHangUp(RoguePeer r, String topic, byte[] payload) {
        try {
            r.frame(topic, payload);
        } catch (IOException e) {
            // the node hung up on an earlier frame: what follows is not read
        }
    }

    /** Every live node closed the key's connections and bans it, for what the named engine reported. */
    private void assertBanned(List<RoguePeer> connections, String id, String reporter) throws InterruptedException {
        for (int i = 0; i < connections.size(); i++) {
            int node = LIVE.get(i);
            RoguePeer r = connections.get(i);
            assertTrue("node" + node + " closes the connection of a peer " + reporter + "reported", r.awaitClosed(CLOSED));
            String reason = refusal(node, id);
            assertNotNull("node" + node + " bans the peer " + reporter + "reported (getPeers refused)", reason);
            assertTrue("node" + node + " banned it for what " + reporter + "reported: " + reason, reason.startsWith(reporter));
            outcomes.put(reporter + "ban (node" + node + ")", reason);
            r.close();
        }
    }

    /** Why the node refuses the peer now (getPeers' refused.reason: "<reporter>: <what it did>"), or null. */
    private String refusal(int node, String id) {
        for (Object p : (List<?>) rpcs.get(node).call("getPeers")) {
            Map<String, Object> peer = map(p);
            if (id.equalsIgnoreCase(String.valueOf(peer.get("id"))) && peer.get("refused") != null) {
                return String.valueOf(map(peer.get("refused")).get("reason"));
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- checks

    /** Same block hashes and state roots on every listed node; every seal is a listed sealer's, verifies, and there are a quorum. */
    private void assertSameSealedChain(List<Integer> nodes) {
        long common = Long.MAX_VALUE;
        for (int n : nodes) {
            common = Math.min(common, rpcs.get(n).blockNumber());
        }
        assertTrue("a chain beyond genesis", common > 0);
        int quorum = NODES - (NODES - 1) / 3;
        for (long h = 0; h <= common; h++) {
            Map<String, Object> first = map(rpcs.get(nodes.get(0)).call("getBlockByNumber", h, false));
            for (int n : nodes.subList(1, nodes.size())) {
                Map<String, Object> other = map(rpcs.get(n).call("getBlockByNumber", h, false));
                assertEquals("hash of block " + h + " on node" + n, first.get("hash"), other.get("hash"));
                assertEquals("state root of block " + h + " on node" + n, first.get("stateRoot"), other.get("stateRoot"));
            }
            if (h == 0) {
                continue;
            }
            assertTrue("block " + h + " names a listed sealer", sealers.contains(String.valueOf(first.get("sealer")).toLowerCase(Locale.ROOT)));
            byte[] hash = Bytes.fromHex(String.valueOf(first.get("hash")));
            Set<String> signers = new HashSet<>();
            for (Object o : (List<?>) first.get("seals")) {
                byte[] seal = Bytes.fromHex(String.valueOf(o));
                assertEquals("seal size in block " + h, 128, seal.length);
                String signer = Bytes.toHex(Arrays.copyOf(seal, 64)).toLowerCase(Locale.ROOT);
                assertTrue("block " + h + " carries a seal of " + signer + ", who is no sealer", sealers.contains(signer));
                assertTrue("the seal of " + signer + " on block " + h + " verifies",
                        suite.verify(hash, Arrays.copyOfRange(seal, 64, 128), Arrays.copyOf(seal, 64)));
                assertTrue("block " + h + " carries two seals of " + signer, signers.add(signer));
            }
            assertTrue("block " + h + " carries a quorum of seals: " + signers.size(), signers.size() >= quorum);
        }
    }

    /**
     * Waits until every expected line is in the log of a node it was provoked on; returns the relevant
     * lines of each live node's log.
     */
    private Map<Integer, List<String>> awaitLogLines(Map<String, Integer> expected, String rogueId) {
        Map<String, Integer> all = new LinkedHashMap<>(expected);
        for (int n : LIVE) {
            all.merge("sync: peer " + syncRogue.nodeId() + " sent bad data, reported to the peer reputation", 1 << n, (x, y) -> x | y);
            all.merge("pbft: equivocation by " + nodeIds.get(3), 1 << n, (x, y) -> x | y);
            all.merge("pbft: reported peer " + rogueId, 1 << n, (x, y) -> x | y);
            all.merge("pbft: reported peer " + nodeIds.get(3), 1 << n, (x, y) -> x | y);
            all.merge("reputation: banning peer ", 1 << n, (x, y) -> x | y);
            all.merge("network: disconnecting peer ", 1 << n, (x, y) -> x | y);
            all.merge("TLS handshake failed", 1 << n, (x, y) -> x | y); // the foreign-CA clients
        }
        Map<Integer, List<String>> lines = new HashMap<>();
        for (Map.Entry<String, Integer> e : all.entrySet()) {
            for (int n : LIVE) {
                if ((e.getValue() & (1 << n)) == 0) {
                    continue;
                }
                int node = n;
                await("node" + n + "'s log says '" + e.getKey() + "'", Duration.ofSeconds(10),
                        () -> logLines(node).stream().anyMatch(l -> l.contains(e.getKey())) ? Boolean.TRUE : null);
            }
        }
        for (int n : LIVE) {
            List<String> relevant = new ArrayList<>();
            for (String l : logLines(n)) {
                if (l.contains("network: closing connection") || l.contains("equivocation") || l.contains("sent bad data")
                        || l.contains("reported peer") || l.contains("banning peer") || l.contains("network: disconnecting peer")
                        || l.contains("WARN") || l.contains("ERROR") || l.contains("Exception")) {
                    relevant.add(l);
                }
            }
            lines.put(n, relevant);
        }
        return lines;
    }

    private List<String> logLines(int node) {
        try {
            return Files.readAllLines(dir.resolve("node" + node + "/logs/node.log"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void report(Map<Integer, List<String>> logs, long heightBefore, long started) {
        StringBuilder b = new StringBuilder("RoguePeerIT report\n");
        outcomes.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append('\n'));
        b.append("  chain: height ").append(heightBefore).append(" -> ").append(rpcs.get(0).blockNumber()).append(", ")
                .append(load.sent.size()).append(" background transfers all committed on node0..2, node3 caught up; ")
                .append(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).append(" s\n");
        logs.forEach((n, lines) -> {
            b.append("  node").append(n).append(" log (").append(lines.size()).append(" relevant lines):\n");
            for (String l : lines.subList(0, Math.min(lines.size(), 60))) {
                b.append("    ").append(l).append('\n');
            }
        });
        System.out.println(b);
    }

    // ---------------------------------------------------------------- the background load

    /** Valid transfers, about ten a second, round robin over node0..2, until stopped. */
    private final class Load implements Runnable {
        final List<SignedTransfer> sent = new CopyOnWriteArrayList<>();
        private final List<Throwable> errors = new CopyOnWriteArrayList<>();
        private final Thread thread = new Thread(this, "rogue-it-load");
        private volatile boolean running = true;

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            try {
                Map<String, Account> accounts = new HashMap<>();
                Map<String, Long> nonces = new HashMap<>();
                for (String name : ACCOUNTS) {
                    Account a = Account.of(name, KeyFiles.read(dir.resolve("node0/keys/accounts/" + name + ".key")), suite);
                    accounts.put(name, a);
                    nonces.put(name, rpcs.get(0).nonce(a.address()));
                }
                List<Address> sinks = List.of(Account.generate("s1", suite).address(), Account.generate("s2", suite).address());
                int i = 0;
                while (running) {
                    String from = ACCOUNTS.get(i % ACCOUNTS.size());
                    long nonce = nonces.get(from);
                    SignedTransfer tx = ChainTestSupport.transfer(suite, chainId, accounts.get(from), nonce, sinks.get(i % 2), BigInteger.ONE);
                    String answered = rpcs.get(LIVE.get(i % LIVE.size())).send(tx);
                    if (!tx.hash().equals(answered)) {
                        throw new AssertionError("node answered " + answered + " for " + tx.hash());
                    }
                    nonces.put(from, nonce + 1);
                    sent.add(tx);
                    i++;
                    LockSupport.parkNanos(100_000_000L); // pacing, not synchronisation
                }
            } catch (Throwable t) {
                errors.add(t);
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(15_000);
        }

        void awaitReceipts(List<Integer> nodes) {
            if (!errors.isEmpty()) {
                throw new AssertionError("the background load failed", errors.get(0));
            }
            assertTrue("the background load sent transfers", sent.size() > 20);
            for (SignedTransfer tx : sent) {
                for (int n : nodes) {
                    Map<String, Object> r = await("receipt of " + tx.hash() + " on node" + n, COMMIT, () -> rpcs.get(n).receipt(tx.hash()));
                    assertEquals("status of " + tx.hash() + " on node" + n, 0L, asLong(r.get("status")));
                }
            }
        }
    }

    // ---------------------------------------------------------------- small things

    /**
     * One node after the other: started in parallel on two cores, a node once came up with its
     * etc/io.cairn.rpc.cfg emptied during start (FileInstall writes the .cfg files back as the node
     * starts) and so never answered on its JSON-RPC port.
     */
    private void startAll() throws Exception {
        for (int i = 0; i < NODES; i++) {
            chain.start(i);
        }
    }

    private RoguePeer track(RoguePeer r) {
        rogues.add(r);
        return r;
    }

    private boolean connected(int node, String id) {
        for (Object p : (List<?>) rpcs.get(node).call("getPeers")) {
            Map<String, Object> peer = map(p);
            if (String.valueOf(peer.get("id")).equalsIgnoreCase(id) && Boolean.TRUE.equals(peer.get("connected"))) {
                return true;
            }
        }
        return false;
    }

    private Map<Integer, Map<String, Object>> statuses(String method) {
        Map<Integer, Map<String, Object>> out = new HashMap<>();
        for (int n : LIVE) {
            out.put(n, map(rpcs.get(n).call(method)));
        }
        return out;
    }

    private static boolean isVote(Frame f) {
        byte[] p = f.payload();
        return p.length > 2 && p[0] == 1 && (p[1] == RoguePeer.PREPARE || p[1] == RoguePeer.COMMIT);
    }

    private static int decidedCount(List<RoguePeer> peers) {
        int n = 0;
        for (RoguePeer r : peers) {
            n += (int) r.frames().stream().filter(f -> f.topic().equals("pbft") && f.payload().length > 1
                    && f.payload()[1] == RoguePeer.DECIDED).count();
        }
        return n;
    }

    private static String typeName(int type) {
        return switch (type) {
            case RoguePeer.PREPARE -> "PREPARE";
            case RoguePeer.COMMIT -> "COMMIT";
            default -> "type " + type;
        };
    }

    /** The message with its body length field claiming far more bytes than follow. */
    private static byte[] bodyLengthLie(Pbft m) {
        byte[] b = m.encode();
        int at = 1 + 1 + 8 + 8 + 8 + 32 + 64;
        b[at] = 0x7f;
        return b;
    }

    private static byte[] withByte(byte[] b, int index, int value) {
        byte[] c = b.clone();
        c[index] = (byte) value;
        return c;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] frame(String topic, byte[] payload) {
        byte[] t = topic.getBytes(StandardCharsets.US_ASCII);
        return new Encoder().u32(1 + t.length + payload.length).u8(t.length).fixed(t).fixed(payload).toByteArray();
    }

    private static byte[] hello(long chainId, int min, int max) {
        return new Encoder().u32(17).u8(0).u32(RoguePeer.MAGIC).u64(chainId).u32((min << 16) | max).toByteArray();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) Objects.requireNonNull(o, "null result");
    }
}
