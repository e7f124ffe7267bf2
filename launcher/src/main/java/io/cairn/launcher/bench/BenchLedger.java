package io.cairn.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.launcher.client.DagTransfers;
import io.cairn.launcher.client.UtxoTransfers;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * What the bench's load is made of on each ledger model: how the sending accounts are funded and how each
 * account's chain of transfers is signed (each transfer pays 1 to the next account). Account: one nonce after
 * another. UTXO: each account spends its own coin chain, every transfer spending the change of the one before. DAG:
 * accounts in pairs, each alternately sending 1 to its partner and receiving the partner's last send.
 * Signing runs before the clock; {@link #sign} is called for one account from one thread, in order.
 */
abstract class BenchLedger {
    final CryptoSuite suite;
    final long chainId;
    final byte[][] keys;
    final byte[][] pubs;
    /** The load's connections: connection c sends the transactions of accounts c, c + connections, ... */
    int connections = 1;

    BenchLedger(CryptoSuite suite, long chainId, byte[][] keys, byte[][] pubs) {
        this.suite = suite;
        this.chainId = chainId;
        this.keys = keys;
        this.pubs = pubs;
    }

    /** The load of the chain's model, {@code ledger} as getNodeInfo names it. */
    static BenchLedger of(String ledger, CryptoSuite suite, long chainId, byte[][] keys, byte[][] pubs, int connections) {
        BenchLedger l = switch (ledger) {
            case "account" -> new Accounts(suite, chainId, keys, pubs);
            case "utxo" -> new Coins(suite, chainId, keys, pubs);
            case "dag" -> new Chains(suite, chainId, keys, pubs);
            case "private" -> new PrivateLoad(suite, chainId, keys, pubs);
            default -> throw new IllegalArgumentException("the bench does not know the '" + ledger + "' ledger model");
        };
        l.connections = connections;
        return l;
    }

    /**
     * About the most transactions per second a node ({@code chain} false) or a local chain can take of this load: the
     * bench signs what such a rate needs for the whole run.
     */
    long perSecondCeiling(boolean chain) {
        return chain ? 6_000 : 25_000;
    }

    /**
     * The accounts whose chains are signed together, transaction n of each before transaction n + 1 of any: each
     * account alone unless one's transactions name another's.
     */
    List<int[]> groups() {
        List<int[]> g = new ArrayList<>(pubs.length);
        for (int a = 0; a < pubs.length; a++) {
            g.add(new int[] {a});
        }
        return g;
    }

    /** Gives every sending account {@code each} from the funder; returns when it is committed. */
    abstract void fund(NodeRpc rpc, byte[] funderKey, BigInteger each, PrintStream log)
            throws IOException, InterruptedException;

    /** Account {@code a}'s {@code n}-th transfer: 1 to the next account. */
    abstract Envelope sign(int a, int n);

    Address to(int a) {
        return suite.address(pubs[(a + 1) % pubs.length]);
    }

    /** Sends the transactions in batches, refusing to go on past a rejection; waits until the last is committed. */
    static void sendAndAwait(NodeRpc rpc, List<Envelope> txs) throws IOException, InterruptedException {
        String last = null;
        for (int from = 0; from < txs.size(); from += 500) {
            List<String> batch = new ArrayList<>();
            for (Envelope e : txs.subList(from, Math.min(txs.size(), from + 500))) {
                batch.add(Bytes.toHex(e.encoded()));
            }
            for (JsonNode r : rpc.sendTransactions(batch)) {
                if (!r.has("result")) {
                    throw new IOException("funding transaction rejected: " + r.path("error"));
                }
                last = r.get("result").asText();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (last != null && rpc.call("getTransactionReceipt", last).isNull()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("funding transactions were not committed within 120 s");
            }
            LockSupport.parkNanos(20_000_000);
        }
    }

    static final class Accounts extends BenchLedger {
        Accounts(CryptoSuite suite, long chainId, byte[][] keys, byte[][] pubs) {
            super(suite, chainId, keys, pubs);
        }

        @Override
        void fund(NodeRpc rpc, byte[] funderKey, BigInteger each, PrintStream log) throws IOException, InterruptedException {
            rpc.fund(suite, chainId, funderKey, pubs, each, log);
        }

        @Override
        Envelope sign(int a, int n) {
            return NodeRpc.sign(suite, chainId, n, to(a), BigInteger.ONE, keys[a], pubs[a]);
        }
    }

    static final class Coins extends BenchLedger {
        /** Outputs per funding transaction: 254 accounts and the funder's change. */
        private static final int FUND_OUTPUTS = 254;
        /** Each account's coin: the one its next transfer spends. */
        private final UtxoTransfers.Coin[] coin;

        Coins(CryptoSuite suite, long chainId, byte[][] keys, byte[][] pubs) {
            super(suite, chainId, keys, pubs);
            coin = new UtxoTransfers.Coin[pubs.length];
        }

        @Override
        void fund(NodeRpc rpc, byte[] funderKey, BigInteger each, PrintStream log) throws IOException, InterruptedException {
            byte[] funderPub = suite.publicKey(funderKey);
            Address funder = suite.address(funderPub);
            List<UtxoTransfers.Coin> spendable = new ArrayList<>();
            for (JsonNode c : rpc.call("getUtxos", funder.toHex())) {
                if (c.path("spentBy").isNull()) {
                    spendable.add(new UtxoTransfers.Coin(Hash.fromHex(c.path("txHash").asText()), c.path("index").asInt(),
                            new BigInteger(c.path("amount").asText())));
                }
            }
            BigInteger total = each.multiply(BigInteger.valueOf(pubs.length));
            List<UtxoTransfers.Coin> inputs = UtxoTransfers.select(spendable, total);
            BigInteger change = inputs.stream().map(UtxoTransfers.Coin::amount).reduce(BigInteger.ZERO, BigInteger::add);
            // A chain of funding transactions, each spending the change of the one before (unconfirmed coins).
            List<Envelope> txs = new ArrayList<>();
            for (int from = 0; from < pubs.length; from += FUND_OUTPUTS) {
                int to = Math.min(pubs.length, from + FUND_OUTPUTS);
                List<UtxoTransfers.Output> outputs = new ArrayList<>();
                for (int a = from; a < to; a++) {
                    outputs.add(new UtxoTransfers.Output(suite.address(pubs[a]), each));
                }
                change = change.subtract(each.multiply(BigInteger.valueOf(to - from)));
                if (change.signum() > 0) {
                    outputs.add(new UtxoTransfers.Output(funder, change));
                }
                Envelope tx = UtxoTransfers.sign(suite, chainId, inputs, outputs, funderKey, funderPub);
                Hash h = Hash.of(suite.hash(tx.payload()));
                for (int a = from; a < to; a++) {
                    coin[a] = new UtxoTransfers.Coin(h, a - from, each);
                }
                inputs = List.of(new UtxoTransfers.Coin(h, to - from, change));
                txs.add(tx);
            }
            sendAndAwait(rpc, txs);
            log.printf("bench: funded %d accounts with a coin each from %s%n", pubs.length, funder);
        }

        @Override
        Envelope sign(int a, int n) {
            Address self = suite.address(pubs[a]);
            UtxoTransfers.Coin in = coin[a];
            BigInteger rest = in.amount().subtract(BigInteger.ONE);
            List<UtxoTransfers.Output> outputs = List.of(new UtxoTransfers.Output(to(a), BigInteger.ONE),
                    new UtxoTransfers.Output(self, rest));
            Envelope tx = UtxoTransfers.sign(suite, chainId, List.of(in), outputs, keys[a], pubs[a]);
            coin[a] = new UtxoTransfers.Coin(Hash.of(suite.hash(tx.payload())), 1, rest);
            return tx;
        }
    }

    static final class Chains extends BenchLedger {
        /** Each account's last signed transaction: what its next one names as previous. */
        private final Hash[] head;
        /** Each account's last signed send: what its partner's next receive names. */
        private final Hash[] lastSend;

        Chains(CryptoSuite suite, long chainId, byte[][] keys, byte[][] pubs) {
            super(suite, chainId, keys, pubs);
            head = new Hash[pubs.length];
            lastSend = new Hash[pubs.length];
        }

        /**
         * The account paired with {@code a}: its neighbour among the accounts of the same connection, so that a
         * receive is sent after the send it names was answered (a batch's senders are admitted in parallel).
         */
        int partner(int a) {
            int conn = a % connections;
            int p = ((a / connections) ^ 1) * connections + conn;
            return p < pubs.length ? p : a;
        }

        @Override
        List<int[]> groups() {
            List<int[]> g = new ArrayList<>();
            for (int a = 0; a < pubs.length; a++) {
                int p = partner(a);
                if (p == a) {
                    g.add(new int[] {a});
                } else if (a < p) {
                    g.add(new int[] {a, p});
                }
            }
            return g;
        }

        @Override
        void fund(NodeRpc rpc, byte[] funderKey, BigInteger each, PrintStream log) throws IOException, InterruptedException {
            byte[] funderPub = suite.publicKey(funderKey);
            Address funder = suite.address(funderPub);
            Hash previous = Hash.fromHex(rpc.call("getAccountInfo", funder.toHex()).path("pendingHead").asText());
            List<Envelope> sends = new ArrayList<>();
            List<Envelope> receives = new ArrayList<>();
            for (int a = 0; a < pubs.length; a++) {
                Envelope send = DagTransfers.send(suite, chainId, previous, suite.address(pubs[a]), each, funderKey, funderPub);
                previous = DagTransfers.hash(suite, send);
                sends.add(send);
                Envelope receive = DagTransfers.receive(suite, chainId, Hash.ZERO, previous, keys[a], pubs[a]);
                head[a] = DagTransfers.hash(suite, receive);
                receives.add(receive);
            }
            sendAndAwait(rpc, sends);
            sendAndAwait(rpc, receives);
            log.printf("bench: funded %d accounts from %s, each receiving its send%n", pubs.length, funder);
        }

        @Override
        Envelope sign(int a, int n) {
            int p = partner(a);
            Envelope tx = n % 2 == 0 ? DagTransfers.send(suite, chainId, head[a], suite.address(pubs[p]), BigInteger.ONE,
                    keys[a], pubs[a]) : DagTransfers.receive(suite, chainId, head[a], lastSend[p], keys[a], pubs[a]);
            head[a] = DagTransfers.hash(suite, tx);
            if (n % 2 == 0) {
                lastSend[a] = head[a];
            }
            return tx;
        }
    }
}
