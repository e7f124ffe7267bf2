package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.TxPool;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The methods a ledger model adds to the node ({@link LedgerModel#queries}: the account model's getNonce): a
 * method the RPC does not know is looked up among the bound model's queries and answered on the head's state
 * and the pool's pending transactions. Knows no model.
 */
final class LedgerQueries implements JsonRpcDispatcher.Fallback {
    private final NodeServices node;

    LedgerQueries(NodeServices node) {
        this.node = node;
    }

    @Override
    public boolean offers(String method) {
        LedgerModel model = node.ledgerModel();
        return model != null && find(model, method) != null;
    }

    /**
     * Answers a query of the bound model.
     *
     * @throws RpcException not ready with no model bound (the method may be one of its queries), no txpool or no
     *                      genesis block; method not found, naming every method offered, when the model has no such
     *                      query; invalid params with the query's message when it refuses its parameters
     */
    @Override
    public JsonNode call(String method, Params params, Collection<String> registered) {
        LedgerModel model = node.ledgerModel();
        if (model == null) {
            throw RpcException.notReady("no ledger model (a method the node does not know, such as '"
                    + Params.abbreviate(method) + "', may be one of its queries)");
        }
        LedgerQuery query = find(model, method);
        if (query == null) {
            List<String> offered = new ArrayList<>();
            for (LedgerQuery q : model.queries()) {
                offered.add(q.method());
            }
            throw RpcException.unknownMethod(method, registered, model.model(), offered);
        }
        List<String> texts = params.texts(query.params());
        TxPool pool = node.needTxPool();
        BlockStore store = node.needBlockStore();
        if (store.height() < 0) {
            throw RpcException.notReady("no genesis block yet");
        }
        Object answer;
        try (StateSnapshot state = store.state()) {
            answer = query.answer(texts, state, pool);
        } catch (IllegalArgumentException e) {
            throw RpcException.invalidParams(e.getMessage() == null ? method + ": invalid params" : e.getMessage());
        }
        return ChainJson.value(answer);
    }

    private static LedgerQuery find(LedgerModel model, String method) {
        for (LedgerQuery q : model.queries()) {
            if (q.method().equals(method)) {
                return q;
            }
        }
        return null;
    }
}
