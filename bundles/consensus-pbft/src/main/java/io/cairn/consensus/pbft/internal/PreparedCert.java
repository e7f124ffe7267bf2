package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Seals;
import io.cairn.api.crypto.CryptoSuite;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Proof that a quorum prepared a block at (height, view): the block and the PREPARE signatures, each
 * {@code signer[64] | signature[64]} over the PREPARE message (h, view, hash). Carried by VIEW-CHANGE so
 * a new leader re-proposes a block that may have committed somewhere. Encoding inside a VIEW-CHANGE body:
 * {@code u8 0} (no certificate) or {@code u8 1 | u64 view | bytes block | u32 k | k x (signer[64] | signature[64])}.
 */
record PreparedCert(long view, Hash hash, byte[] block, List<byte[]> prepares) {

    static byte[] encode(PreparedCert c) {
        if (c == null) {
            return new byte[] {0};
        }
        Encoder e = new Encoder(64 + c.block.length + c.prepares.size() * Seals.SIZE).u8(1).u64(c.view).bytes(c.block)
                .u32(c.prepares.size());
        for (byte[] p : c.prepares) {
            e.fixed(p);
        }
        return e.toByteArray();
    }

    /** Decodes a certificate for {@code hash}; null when the body says there is none. */
    static PreparedCert decode(byte[] body, Hash hash, int maxPrepares) {
        Decoder d = new Decoder(body, "prepared certificate");
        int present = d.u8("present");
        if (present == 0) {
            d.end();
            return null;
        }
        if (present != 1) {
            throw new MalformedDataException("prepared certificate: present flag must be 0 or 1, got " + present);
        }
        long view = d.u64("view");
        byte[] block = d.bytes(PbftMessage.MAX_BODY, "block");
        int k = d.u32("prepare count");
        if (k < 0 || k > maxPrepares) {
            throw new MalformedDataException("prepared certificate: " + k + " prepares, at most " + maxPrepares);
        }
        List<byte[]> prepares = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            prepares.add(d.fixed(Seals.SIZE, "prepare " + i));
        }
        d.end();
        return new PreparedCert(view, hash, block, prepares);
    }

    /** Whether a quorum of distinct sealers signed PREPARE(height, view, hash). */
    boolean valid(CryptoSuite suite, ChainSpec spec, long height) {
        Set<String> counted = new HashSet<>();
        for (byte[] p : prepares) {
            byte[] signer = Arrays.copyOfRange(p, 0, 64);
            String key = Bytes.toHex(signer);
            if (!spec.isSealer(key) || counted.contains(key)) {
                continue;
            }
            if (PbftMessage.verify(suite, MessageKind.PREPARE, spec.chainId(), height, view, hash, signer, new byte[0],
                    Arrays.copyOfRange(p, 64, Seals.SIZE))) {
                counted.add(key);
            }
        }
        return counted.size() >= spec.quorum();
    }
}
