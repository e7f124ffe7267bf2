package io.cairn.api.node;

import java.util.List;
import java.util.Map;

/** The node's components and the service interface that defines each. */
public final class ComponentNames {
    public static final Map<String, Class<?>> SERVICES = new java.util.LinkedHashMap<>();

    static {
        SERVICES.put("crypto", io.cairn.api.crypto.CryptoSuite.class);
        SERVICES.put("storage", io.cairn.api.storage.Storage.class);
        SERVICES.put("ledger", BlockStore.class);
        SERVICES.put("ledger-model", LedgerModel.class);
        SERVICES.put("executor", Executor.class);
        SERVICES.put("txpool", TxPool.class);
        SERVICES.put("consensus", Consensus.class);
        SERVICES.put("rpc", RpcServer.class);
    }

    public static final List<String> ALL = List.copyOf(SERVICES.keySet());

    private ComponentNames() {}
}
