package io.cairn.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Genesis;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.Suites;
import io.cairn.launcher.client.RpcClient;
import io.cairn.launcher.client.RpcException;
import io.cairn.launcher.node.NodeHome;
import java.io.IOException;

/** The chain id, crypto suite and ledger model a client signs for: from getNodeInfo, else from the home's genesis. */
record ChainFacts(long chainId, CryptoSuite suite, String ledger) {

    static ChainFacts of(RpcClient rpc, NodeHome home) throws IOException, RpcException {
        JsonNode info = rpc.call("getNodeInfo");
        JsonNode chainId = info.path("chainId");
        JsonNode suite = info.path("suite");
        JsonNode ledger = info.path("ledger");
        if (!chainId.isMissingNode() && !chainId.isNull() && suite.isTextual() && ledger.isTextual()) {
            return new ChainFacts(RpcClient.quantity(chainId, "getNodeInfo chainId").longValueExact(),
                    Suites.byName(suite.asText()), ledger.asText());
        }
        if (home.isInitialized()) {
            Genesis g = home.genesis();
            return new ChainFacts(g.chainId(), Suites.byName(g.suite()), g.ledger());
        }
        throw new IOException("getNodeInfo does not give chainId, suite and ledger: " + info);
    }

    /** The suite without asking the node when a home is at hand (names resolve offline). */
    static CryptoSuite suite(RpcClient rpc, NodeHome home) throws IOException, RpcException {
        if (home.isInitialized()) {
            return Suites.byName(home.genesis().suite());
        }
        return of(rpc, home).suite();
    }
}
