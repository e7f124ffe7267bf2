package io.cairn.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Genesis;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.Suites;
import io.cairn.launcher.client.RpcClient;
import io.cairn.launcher.client.RpcException;
import io.cairn.launcher.node.NodeHome;
import java.io.IOException;

/** The chain id and crypto suite a client signs with: from getNodeInfo, else from the home's genesis. */
record ChainFacts(long chainId, CryptoSuite suite) {

    static ChainFacts of(RpcClient rpc, NodeHome home) throws IOException, RpcException {
        JsonNode info = rpc.call("getNodeInfo");
        JsonNode chainId = info.path("chainId");
        JsonNode suite = info.path("suite");
        if (!chainId.isMissingNode() && !chainId.isNull() && suite.isTextual()) {
            return new ChainFacts(RpcClient.quantity(chainId, "getNodeInfo chainId").longValueExact(), Suites.byName(suite.asText()));
        }
        if (home.isInitialized()) {
            Genesis g = home.genesis();
            return new ChainFacts(g.chainId(), Suites.byName(g.suite()));
        }
        throw new IOException("getNodeInfo does not give chainId and suite: " + info);
    }

    /** The suite without asking the node when a home is at hand (names resolve offline). */
    static CryptoSuite suite(RpcClient rpc, NodeHome home) throws IOException, RpcException {
        if (home.isInitialized()) {
            return Suites.byName(home.genesis().suite());
        }
        return of(rpc, home).suite();
    }
}
