package io.cairn.api.ledger;

import io.cairn.api.node.StateView;
import java.util.List;

/**
 * A JSON-RPC method a ledger model adds to the node ({@code getNonce} of the account model, {@code getUtxos} of
 * the UTXO model): the RPC engine dispatches it knowing no model. The result is JSON made of {@code Map<String,
 * ?>}, {@code List<?>}, {@code String}, {@code Number}, {@code Boolean} and {@code null}, in the forms of
 * docs/rpc.md: an amount (256-bit) is a decimal string; a 64-bit unsigned integer (a nonce) is a
 * {@code BigInteger} or {@code Long}, written as an exact JSON integer; hashes, addresses and bytes are
 * {@code 0x} hex strings. {@link io.cairn.api.node.LedgerModel#describe} answers in the same forms.
 */
public interface LedgerQuery {
    /** The JSON-RPC method name. */
    String method();

    /** The parameters, for help and errors: {@code "address"}, {@code "address, count"}. */
    String params();

    /**
     * Answers on the head's state and the pool's pending transactions.
     *
     * @param params the request's parameters as text (a JSON number as its decimal text)
     * @throws IllegalArgumentException naming the parameter that is wrong (the RPC answers "invalid params")
     */
    Object answer(List<String> params, StateView state, Pending pending);
}
