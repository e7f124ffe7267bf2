package io.cairn.ledger.confidential.internal;

import static io.cairn.ledger.confidential.internal.Wallets.AUDITOR;
import static io.cairn.ledger.confidential.internal.Wallets.GROUP;
import static io.cairn.ledger.confidential.internal.Wallets.SUITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.CoinId;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.testing.MemoryPending;
import io.cairn.api.testing.MemoryState;
import io.cairn.confidential.Opening;
import io.cairn.confidential.SealedOpening;
import io.cairn.ledger.confidential.internal.Wallets.Held;
import io.cairn.ledger.confidential.internal.Wallets.Made;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Many random transfers among five owners, in blocks of random size, each admitted by a pool and run by a replica
 * that never saw them: every honest transaction is taken (completeness), and the supply the auditor computes from
 * the chain alone (the openings sealed to it, less the spent coins, plus the burnt fees) never changes.
 */
class SupplyPropertyTest {
    static final int OWNERS = 5;
    static final int TRANSFERS = 60;

    @Test
    void theSupplyTheAuditorSeesNeverChanges() throws TxRejectedException {
        Random random = new Random(42);
        Map<Integer, Long> alloc = new HashMap<>();
        for (int o = 1; o <= OWNERS; o++) {
            alloc.put(o, 1_000L + 37L * o);
        }
        Genesis g = Wallets.genesis(alloc, true);
        long supply = alloc.values().stream().mapToLong(Long::longValue).sum();
        PrivateLedger pool = new PrivateLedger(SUITE, null);
        PrivateLedger replica = new PrivateLedger(SUITE, null);
        MemoryState state = new MemoryState();
        state.commit(replica.genesis(g));
        List<Held> unspent = new ArrayList<>();
        for (int o = 1; o <= OWNERS; o++) {
            unspent.add(Wallets.genesisCoin(g, o));
        }
        // the auditor's view: every coin's amount as it read it, and the fees
        Map<CoinId, Long> audited = new HashMap<>();
        unspent.forEach(h -> audited.put(h.id(), h.opening().amount()));
        long burnt = 0;
        long block = 1;
        int made = 0;
        try {
            while (made < TRANSFERS) {
                List<VerifiedTransaction> txs = new ArrayList<>();
                int size = 1 + random.nextInt(4);
                for (int t = 0; t < size && made < TRANSFERS && !unspent.isEmpty(); t++, made++) {
                    Held in = unspent.remove(random.nextInt(unspent.size()));
                    List<Held> inputs = new ArrayList<>(List.of(in));
                    // sometimes a second coin of the same owner
                    for (Held h : List.copyOf(unspent)) {
                        if (h.owner() == in.owner() && random.nextBoolean() && inputs.size() < 3) {
                            unspent.remove(h);
                            inputs.add(h);
                        }
                    }
                    long total = inputs.stream().mapToLong(h -> h.opening().amount()).sum();
                    long fee = random.nextInt(3);
                    long pay = (total - fee) * random.nextInt(101) / 100;
                    int to = 1 + random.nextInt(OWNERS);
                    Made m = Wallets.transfer(inputs, fee, true, new long[] {to, pay},
                            new long[] {in.owner(), total - fee - pay});
                    MemoryPending pending = new MemoryPending();
                    txs.forEach(x -> pending.add(pool, x));
                    pool.claims(m.tx());
                    pool.admit(m.tx(), state.pointReads(), pending);
                    txs.add(m.tx());
                    unspent.addAll(m.outputs());
                    for (Held h : inputs) {
                        assertNotNull(audited.remove(h.id()), "the auditor saw " + h.id() + " made");
                    }
                    // what the auditor reads from the transaction: the sealed openings, each checked
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> outs = (List<Map<String, Object>>) replica.describe(m.tx()).get("outputs");
                    for (int k = 0; k < outs.size(); k++) {
                        Opening o = SealedOpening.open(GROUP, Wallets.scalar(AUDITOR),
                                Bytes.fromHex((String) outs.get(k).get("sealedToAuditor")));
                        assertTrue(o.opens(GROUP, GROUP.decode(Bytes.fromHex((String) outs.get(k).get("commitment")),
                                "commitment")));
                        audited.put(new CoinId(m.tx().hash(), k), o.amount());
                    }
                    burnt += Long.parseLong((String) replica.describe(m.tx()).get("fee"));
                }
                state.commit(replica.apply(block++, txs, state.pointReads()));
                long sum = audited.values().stream().mapToLong(Long::longValue).sum();
                assertEquals(BigInteger.valueOf(supply), BigInteger.valueOf(sum + burnt), "after block " + (block - 1));
            }
        } finally {
            pool.deactivate();
            replica.deactivate();
        }
        assertEquals(TRANSFERS, made);
    }
}
