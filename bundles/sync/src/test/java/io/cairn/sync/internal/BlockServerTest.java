package io.cairn.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BlockServerTest {
    @Test
    void blocksWhoseArchiveCannotBeReadAreNotServedAndThoseBeforeThemAre() {
        Fakes.Chain chain = new Fakes.Chain(Fakes.CHAIN_ID, 4, 20);
        Fakes.Store store = chain.store(20);
        store.archivedAway = n -> n >= 4 && n <= 9;

        SyncMessage.Blocks before = blocks(BlockServer.serve(new SyncMessage.GetBlocks(1, 8), store, 64, 1 << 20));
        assertEquals(1, before.from());
        assertEquals(3, before.blocks().size(), "blocks 1..3, then block 4's archive is not readable");
        assertEquals(0, blocks(BlockServer.serve(new SyncMessage.GetBlocks(5, 8), store, 64, 1 << 20)).blocks().size(),
                "an empty answer: the peer asks another");
        assertEquals(8, blocks(BlockServer.serve(new SyncMessage.GetBlocks(10, 8), store, 64, 1 << 20)).blocks().size());
        store.archivedAway = null; // the archive is back
        assertEquals(8, blocks(BlockServer.serve(new SyncMessage.GetBlocks(1, 8), store, 64, 1 << 20)).blocks().size());
    }

    private static SyncMessage.Blocks blocks(byte[] payload) {
        return (SyncMessage.Blocks) SyncMessage.decode(payload, 1 << 20);
    }
}
