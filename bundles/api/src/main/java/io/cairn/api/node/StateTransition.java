package io.cairn.api.node;

import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.storage.WriteBatch;
import java.util.List;

/** What a ledger model made of a block's transactions: receipts, state writes, the new state root. */
public record StateTransition(List<Receipt> receipts, WriteBatch writes, Hash stateRoot) {}
