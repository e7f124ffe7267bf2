package io.cairn.consensus.pbft.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Seals;
import io.cairn.api.testing.KeyedSuite;
import io.cairn.api.testing.MemoryRecords;
import io.cairn.consensus.pbft.internal.Fakes.Key;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire encoding and the vote log's records stay what they were: peers and node homes of earlier versions. */
class PbftMessageTest {
    private final KeyedSuite suite = new KeyedSuite();
    private final Key key = new Key(suite, "x");

    @Test
    void messagesRoundTripAndBadOnesNameTheProblem() {
        PbftMessage m = PbftMessage.sign(key, MessageKind.COMMIT, 9, 5, 2, Hash.of(new byte[32]), new byte[64]);
        PbftMessage back = PbftMessage.decode(m.encode());
        assertTrue(back.verify(suite));
        assertEquals(MessageKind.COMMIT, back.kind());
        assertEquals(5, back.height());
        assertEquals(2, back.view());
        byte[] enc = m.encode();
        enc[1] = 42;
        assertEquals("pbft message: unknown type 42",
                assertThrows(MalformedDataException.class, () -> PbftMessage.decode(enc)).getMessage());
        enc[1] = 0;
        assertEquals("pbft message: unknown type 0",
                assertThrows(MalformedDataException.class, () -> PbftMessage.decode(enc)).getMessage());
        byte[] tampered = m.encode();
        tampered[10] ^= 1;
        assertFalse(PbftMessage.decode(tampered).verify(suite));
        assertTrue(m.toString().startsWith("COMMIT(h=5, v=2, 0x00000000 from "), m.toString());
    }

    @Test
    void theWireEncodingIsTheDocumentedOne() {
        assertEquals(List.of("PRE-PREPARE:1", "PREPARE:2", "COMMIT:3", "VIEW-CHANGE:4", "NEW-VIEW:5", "DECIDED:6", "FETCH:7"),
                java.util.Arrays.stream(MessageKind.values()).map(k -> k + ":" + k.code).toList());
        Hash hash = Hash.of(KeyedSuite.sha256(new byte[] {7}));
        byte[] body = {1, 2, 3};
        PbftMessage m = PbftMessage.sign(key, MessageKind.VIEW_CHANGE, 0xfedcba9876543210L, 12, 3, hash, body);
        byte[] unsigned = new Encoder().u8(1).u8(4).u64(0xfedcba9876543210L).u64(12).u64(3).fixed(hash.toByteArray())
                .fixed(key.publicKey()).bytes(body).toByteArray();
        assertArrayEquals(new Encoder().fixed(unsigned).fixed(suite.sign(suite.hash(unsigned), key.privateKey)).toByteArray(),
                m.encode(), "u8 version | u8 type | u64 chainId | u64 height | u64 view | hash | sender | bytes body | signature");
    }

    @Test
    void theVoteLogKeepsItsRecordsUnderTheSameNamesAndBytes() {
        MemoryRecords records = new MemoryRecords();
        VoteLog log = new VoteLog();
        Hash a = Hash.of(KeyedSuite.sha256(new byte[] {1}));
        byte[] blockA = {10, 11, 12};
        assertEquals(VoteLog.Ballot.WRITTEN, log.viewChange(records, 3, 1));
        assertEquals(VoteLog.Ballot.WRITTEN, log.prepare(records, 3, 1, a, blockA));
        byte[] prepare = Seals.of(key.publicKey(), new byte[64]);
        assertEquals(VoteLog.Ballot.WRITTEN, log.commit(records, 3, 1, new PreparedCert(1, a, blockA, List.of(prepare))));
        assertEquals(VoteLog.Ballot.REFUSED, log.prepare(records, 3, 1, Hash.ZERO, blockA), "one block per (height, view)");
        assertEquals(VoteLog.Ballot.REFUSED, log.viewChange(records, 3, 0), "no going back to a view left");
        // u8 version | u64 height | u64 votedView+1 | u64 prepareView+1 | prepareHash | u64 certView+1 | certHash
        // | u32 k | k x prepare[128] | u64 commitView+1 | commitHash
        byte[] expected = new Encoder().u8(1).u64(3).u64(2).u64(2).fixed(a.toByteArray()).u64(2).fixed(a.toByteArray())
                .u32(1).fixed(prepare).u64(2).fixed(a.toByteArray()).toByteArray();
        assertArrayEquals(expected, records.get("pbft", "votes"));
        assertArrayEquals(blockA, records.get("pbft", "prepare-block"));
        assertNull(records.get("pbft", "cert-block"), "the certified block is the prepared one: kept once");
        // a node home of an earlier version: the same record read back by a fresh log
        VoteLog restarted = new VoteLog();
        restarted.refresh(records);
        assertEquals(3, restarted.height);
        assertEquals(1, restarted.votedView);
        assertEquals(a, restarted.prepareHash);
        assertArrayEquals(blockA, restarted.prepareBlock);
        assertEquals(1, restarted.certAt(3).view());
        assertFalse(restarted.mayPrepare(3, 1, Hash.ZERO), "it voted for A at (3, 1)");
        assertTrue(restarted.mayPrepare(3, 1, a));
        assertTrue(restarted.mayPrepare(4, 0, Hash.ZERO), "a later height is free");
    }

    @Test
    void aVoteThatCannotBeWrittenIsNotKept() {
        MemoryRecords records = new MemoryRecords();
        VoteLog log = new VoteLog();
        Hash a = Hash.of(KeyedSuite.sha256(new byte[] {1}));
        Hash b = Hash.of(KeyedSuite.sha256(new byte[] {2}));
        records.available = false;
        assertEquals(VoteLog.Ballot.NO_STORAGE, log.prepare(records, 3, 0, a, new byte[1]));
        records.available = true;
        log.refresh(records);
        assertTrue(log.mayPrepare(3, 0, b), "what was never written binds nothing");
    }
}
