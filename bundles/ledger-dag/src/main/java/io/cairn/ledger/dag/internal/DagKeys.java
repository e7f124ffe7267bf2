package io.cairn.ledger.dag.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.ledger.LedgerKey;
import java.util.Arrays;

/**
 * The pool keys of the DAG model. An account's <b>head slot</b> {@code 'h' | account[20] | tx[32]}: the place after
 * transaction {@code tx} of the account's chain (32 zero bytes: the start of the chain). A transaction consumes the
 * slot after its {@code previous} and produces the slot after itself, so two transactions following the same
 * previous one (a fork) consume one key. A <b>receivable</b> {@code 'r' | send[32]}: produced by a send, consumed
 * by the receive that takes it, so a send is received once.
 */
final class DagKeys {
    static final byte HEAD = 'h';
    static final byte RECEIVABLE = 'r';
    static final int HEAD_LENGTH = 1 + Address.SIZE + 32;
    static final int RECEIVABLE_LENGTH = 1 + 32;

    private DagKeys() {}

    /** A decoded head slot. */
    record Slot(Address account, Hash previous) {}

    static LedgerKey head(Address account, Hash previous) {
        byte[] k = new byte[HEAD_LENGTH];
        k[0] = HEAD;
        System.arraycopy(account.toByteArray(), 0, k, 1, Address.SIZE);
        System.arraycopy(previous.toByteArray(), 0, k, 1 + Address.SIZE, 32);
        return LedgerKey.of(k);
    }

    static LedgerKey receivable(Hash send) {
        byte[] k = new byte[RECEIVABLE_LENGTH];
        k[0] = RECEIVABLE;
        System.arraycopy(send.toByteArray(), 0, k, 1, 32);
        return LedgerKey.of(k);
    }

    static boolean isHead(LedgerKey key) {
        return key.tag() == HEAD;
    }

    /** @throws IllegalArgumentException if the key is not a head slot */
    static Slot slot(LedgerKey key) {
        byte[] k = key.bytes();
        if (k.length != HEAD_LENGTH || k[0] != HEAD) {
            throw new IllegalArgumentException("not a dag head slot ('h' | account[20] | tx[32]): " + key);
        }
        return new Slot(Address.of(Arrays.copyOfRange(k, 1, 1 + Address.SIZE)),
                Hash.of(Arrays.copyOfRange(k, 1 + Address.SIZE, HEAD_LENGTH)));
    }

    /** @throws IllegalArgumentException if the key is not a receivable */
    static Hash send(LedgerKey key) {
        byte[] k = key.bytes();
        if (k.length != RECEIVABLE_LENGTH || k[0] != RECEIVABLE) {
            throw new IllegalArgumentException("not a dag receivable ('r' | send[32]): " + key);
        }
        return Hash.of(Arrays.copyOfRange(k, 1, RECEIVABLE_LENGTH));
    }
}
