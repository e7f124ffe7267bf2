package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.runtime.NodeClock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Catching up one block inside consensus (FISCO's PBFTLogSync): a sealer that sees votes of a later height asks the
 * sender for the block it is missing (FETCH) and commits the answer (DECIDED) once its seals make it final; a sealer
 * that sees votes of a height it has passed hands the sender the block it is stuck on. Answers to one peer are
 * paced, and the signed answers for recent blocks are kept: a lagging node asks for the same blocks again and
 * again while it catches up, and a committed block never changes.
 */
final class CatchUp {
    static final long EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int ANSWERS_KEPT = 4;

    /** A DECIDED message as sent, and the node key that signed it (a swapped identity signs anew). */
    private record Answer(byte[] signer, byte[] encoded) {}

    private final NodeClock clock;
    private final Admission admission;
    private long lastFetchAt;
    private final Map<String, Long> lastAnswerAt = new HashMap<>();
    private final Map<Long, Answer> answers = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Answer> eldest) {
            return size() > ANSWERS_KEPT;
        }
    };

    CatchUp(NodeClock clock, Admission admission) {
        this.clock = clock;
        this.admission = admission;
        this.lastFetchAt = clock.nanoTime() - EVERY_NANOS;
    }

    /** Whether this node may answer the peer now (at most once per {@link #EVERY_NANOS}); if so, counts it. */
    boolean answerDue(String peerId) {
        long now = clock.nanoTime();
        Long last = lastAnswerAt.get(peerId);
        if (last != null && now - last < EVERY_NANOS) {
            return false;
        }
        lastAnswerAt.put(peerId, now);
        return true;
    }

    /** Sends the peer committed block {@code number}, if this sealer has it. */
    void answer(Step s, String peerId, long number) {
        if (!s.sealer() || s.net() == null || number < 1 || number > s.store().height() || !answerDue(peerId)) {
            return;
        }
        byte[] signer = s.id().publicKey();
        Answer kept = answers.get(number);
        byte[] answer = kept != null && Arrays.equals(kept.signer(), signer) ? kept.encoded() : null;
        if (answer == null) {
            Optional<Block> b;
            try {
                b = s.store().block(number);
            } catch (io.cairn.api.node.BlockArchivedException unreadable) {
                return; // archived in a file that cannot be read now: no answer, the peer asks another sealer
            }
            Optional<Hash> h = s.store().hash(number);
            if (b.isEmpty() || h.isEmpty()) {
                return;
            }
            answer = s.sign(MessageKind.DECIDED, number, 0, h.get(), b.get().encode()).encode();
            answers.put(number, new Answer(signer, answer));
        }
        s.net().send(peerId, PbftEngine.TOPIC, answer);
    }

    /** Asks the peer, which is ahead, for block {@code height} (at most once per {@link #EVERY_NANOS}). */
    void fetch(Step s, String peerId, long height) {
        long now = clock.nanoTime();
        if (s.sealer() && s.net() != null && height >= 1 && now - lastFetchAt >= EVERY_NANOS) {
            lastFetchAt = now;
            s.net().send(peerId, PbftEngine.TOPIC, s.sign(MessageKind.FETCH, height, 0, Hash.ZERO, new byte[0]).encode());
        }
    }

    /**
     * The block a DECIDED carries, if it is the block it names and final; otherwise the sender is reported (no
     * honest node answers so) and the result is null.
     */
    Block.Raw check(Step s, String peerId, PbftMessage m) {
        try {
            Block.Raw block = Block.decodeRaw(m.body());
            List<byte[]> txs = block.transactions();
            for (int i = 0; i < txs.size(); i++) {
                try {
                    Envelope.decode(txs.get(i));
                } catch (MalformedDataException e) {
                    throw new MalformedDataException("block: transaction " + i + ": " + e.getMessage());
                }
            }
            if (!s.hash(block.header()).equals(m.blockHash())) {
                throw new IllegalArgumentException("the block is not " + m.blockHash());
            }
            if (!s.spec().isFinal(m.blockHash(), block.seals(), s.suite())) {
                throw new IllegalArgumentException("the block lacks a quorum of valid seals");
            }
            return block;
        } catch (IllegalArgumentException e) {
            admission.penalise(s, peerId, m + ": " + e.getMessage());
            return null;
        }
    }
}
