package io.cairn.api.ledger;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a transaction consumes and produces, worked out by its ledger model from the transaction alone (no
 * state): the account model consumes the sender's nonce slot n and produces slot n+1; a UTXO transaction
 * consumes the coins it spends and produces its outputs. A transaction runs only once every key it consumes is
 * available: in state, or produced by a transaction before it. Two transactions that consume one key conflict.
 */
public record Claims(List<LedgerKey> consumes, List<LedgerKey> produces) {
    /** @throws IllegalArgumentException if a key is listed twice (a model must refuse such a body first) */
    public Claims {
        consumes = List.copyOf(consumes);
        produces = List.copyOf(produces);
        Set<LedgerKey> seen = new HashSet<>();
        for (LedgerKey k : consumes) {
            if (!seen.add(k)) {
                throw new IllegalArgumentException("key " + k + " is consumed twice");
            }
        }
        seen.clear();
        for (LedgerKey k : produces) {
            if (!seen.add(k)) {
                throw new IllegalArgumentException("key " + k + " is produced twice");
            }
        }
    }
}
