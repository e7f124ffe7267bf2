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
        SERVICES.put("rules", ChainRules.class);
        SERVICES.put("block-format", BlockFormat.class);
        SERVICES.put("executor", Executor.class);
        SERVICES.put("txpool", TxPool.class);
        SERVICES.put("consensus", Consensus.class);
        SERVICES.put("rpc", RpcServer.class);
        SERVICES.put("network", io.cairn.api.network.Network.class);
        SERVICES.put("sync", io.cairn.api.sync.BlockSync.class);
    }

    public static final List<String> ALL = List.copyOf(SERVICES.keySet());

    /** Components a single node can run without (a solo node has no network and nothing to sync from). */
    public static final java.util.Set<String> OPTIONAL = java.util.Set.of("network", "sync");

    /** Every component that every node runs. */
    public static final List<String> CORE = ALL.stream().filter(c -> !OPTIONAL.contains(c)).toList();

    private ComponentNames() {}
}
