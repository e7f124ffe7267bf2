package io.cairn.ledger.internal;

import io.cairn.api.testing.LegacyTransfers;
import io.cairn.api.testing.Sha256Suite;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.WriteBatch;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds executed blocks the way an executor would, without one. */
final class TestChain {
    static final long CHAIN_ID = 7;
    static final byte[] BLOCK_KEY = Keys.of(Keys.STATE, "block");
    static final Address ALICE = Address.fromHex("0x00000000000000000000000000000000000000a1");
    static final Genesis GENESIS = new Genesis(CHAIN_ID, "test-sha256", "account", 1_000, List.of(),
            new TreeMap<>(Map.of(ALICE, BigInteger.valueOf(1_000_000))));

    final Sha256Suite suite = new Sha256Suite();
    private final byte[] publicKey = filled(64, 1);
    private long nonce;

    ExecutedBlock genesisBlock() {
        BlockHeader h = new BlockHeader(BlockHeader.PROTOCOL_VERSION, CHAIN_ID, 0, Hash.ZERO, GENESIS.timestamp(),
                Hash.ZERO, Hash.ZERO, Hash.ZERO, 0, new byte[0], GENESIS.encode());
        return new ExecutedBlock(h, List.of(), List.of(), new WriteBatch().put(BLOCK_KEY, ChainKeys.u64(0)));
    }

    /** A version 1 transfer (the first transaction format). */
    VerifiedTransaction tx() {
        Transaction t = new Transaction(CHAIN_ID, nonce++, ALICE, BigInteger.ONE, new byte[0], publicKey, filled(64, 2));
        return LegacyTransfers.verified(t, suite.digest(t.signingPayload()), suite.address(publicKey));
    }

    /** A version 2 envelope with a body the store does not read; hashed as the verifier hashes it (its payload). */
    VerifiedTransaction envelope() {
        byte[] body = new Encoder().u64(nonce++).fixed(ALICE.toByteArray()).fixed(filled(32, 0)).u32(0).toByteArray();
        Envelope e = Envelope.of(Envelope.payload(CHAIN_ID, Envelope.ACCOUNT, body, List.of(publicKey)),
                List.of(filled(64, 3)));
        return new VerifiedTransaction(e, suite.digest(e.payload()), List.of(suite.address(publicKey)));
    }

    /** The next block on the store's head with {@code n} fresh transactions. */
    ExecutedBlock next(BlockStore store, int n) {
        List<VerifiedTransaction> txs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            txs.add(tx());
        }
        return next(store, txs);
    }

    ExecutedBlock next(BlockStore store, List<VerifiedTransaction> txs) {
        long h = store.height();
        return block(h + 1, store.hash(h).orElseThrow(), txs, Receipt.Status.SUCCESS);
    }

    ExecutedBlock block(long number, Hash parent, List<VerifiedTransaction> txs, Receipt.Status status) {
        List<Receipt> receipts = new ArrayList<>();
        for (int i = 0; i < txs.size(); i++) {
            VerifiedTransaction vt = txs.get(i);
            receipts.add(new Receipt(vt.hash(), number, i, vt.sender(), status, status == Receipt.Status.SUCCESS ? "" : "failed"));
        }
        BlockHeader header = new BlockHeader(BlockHeader.PROTOCOL_VERSION, CHAIN_ID, number, parent, 1_000 + number,
                Hash.ZERO, Hash.ZERO, Hash.of(filled(32, (int) number)), txs.size(), filled(64, 9), new byte[0]);
        return new ExecutedBlock(header, txs, receipts, new WriteBatch().put(BLOCK_KEY, ChainKeys.u64(number)));
    }

    /** The next block with {@code n} fresh transactions and the transaction root a real header has. */
    ExecutedBlock rooted(BlockStore store, int n) {
        ExecutedBlock b = next(store, n);
        List<Hash> hashes = new ArrayList<>();
        b.transactions().forEach(t -> hashes.add(t.hash()));
        BlockHeader h = b.header();
        BlockHeader rooted = new BlockHeader(h.version(), h.chainId(), h.number(), h.parentHash(), h.timestamp(),
                io.cairn.api.chain.MerkleRoot.of(hashes, suite::hash), h.receiptRoot(), h.stateRoot(), h.txCount(),
                h.sealer(), h.extra());
        return new ExecutedBlock(rooted, b.transactions(), b.receipts(), b.stateWrites());
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
