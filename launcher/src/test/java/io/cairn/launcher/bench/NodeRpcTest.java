package io.cairn.launcher.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class NodeRpcTest {
    @Test
    void blocksAreReadInOneRequestInOrder() throws Exception {
        try (FakeChain chain = new FakeChain()) {
            chain.seal(300);
            NodeRpc rpc = new NodeRpc(chain.endpoint());
            int before = chain.requests.get();
            JsonNode[] got = rpc.blocks(1, 256);
            assertEquals(1, chain.requests.get() - before, "one HTTP request for 256 blocks");
            assertEquals(256, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(1 + i, got[i].path("number").asLong());
            }
        }
    }

    @Test
    void aBlockTheNodeDoesNotHaveIsNamed() throws Exception {
        try (FakeChain chain = new FakeChain()) {
            chain.seal(3);
            NodeRpc rpc = new NodeRpc(chain.endpoint());
            IOException e = assertThrows(IOException.class, () -> rpc.blocks(2, 10));
            assertTrue(e.getMessage().contains("getBlockByNumber 4: no block"), e.getMessage());
        }
    }
}
