package io.cairn.api.node;

/** Read access to ledger state at one block. Keys are full storage keys in {@code Keys.STATE}. */
@FunctionalInterface
public interface StateView {
    byte[] get(byte[] key);
}
