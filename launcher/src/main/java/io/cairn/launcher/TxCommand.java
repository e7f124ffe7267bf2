package io.cairn.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.launcher.client.AccountTransfers;
import io.cairn.api.chain.Genesis;
import io.cairn.confidential.Group;
import io.cairn.launcher.client.DagTransfers;
import io.cairn.launcher.client.PrivateTransfers;
import io.cairn.launcher.client.RpcClient;
import io.cairn.launcher.client.RpcException;
import io.cairn.launcher.client.UtxoTransfers;
import io.cairn.launcher.node.NodeHome;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "tx", mixinStandardHelpOptions = true, description = "Sign and send transactions.",
        subcommands = {TxCommand.Transfer.class, TxCommand.Receive.class})
final class TxCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: transfer or receive");
    }

    @Command(name = "transfer", mixinStandardHelpOptions = true,
            description = "Transfer an amount, then wait for its receipt (tx hash, block, status). On an account chain a "
                    + "version 2 account transaction with the sender's next nonce; on a utxo chain the sender's largest unspent "
                    + "coins, the change back to the sender; on a private chain the same with the amounts hidden: commitments, a range proof "
                    + "and a kernel, the openings sealed to the recipient (--to: an account name or its 64-byte public key).")
    static final class Transfer implements Callable<Integer> {
        private static final long POLL_MS = 75;

        @Spec
        CommandSpec spec;

        @Mixin
        EndpointOptions endpoint;

        @Option(names = "--from", required = true, paramLabel = "NAME|KEYFILE", description = "sender: an account of the node home or a key file")
        String from;

        @Option(names = "--to", required = true, paramLabel = "NAME|ADDRESS", description = "recipient: an account of the node home or a 0x address")
        String to;

        @Option(names = "--amount", required = true, paramLabel = "N", description = "amount to transfer")
        BigInteger amount;

        @Option(names = "--nonce", paramLabel = "N", description = "sender nonce (default: asked from the node)")
        Long nonce;

        @Option(names = "--no-wait", description = "return after sending, without waiting for the receipt")
        boolean noWait;

        @Option(names = "--explain", description = "print what the transfer was built from: the nonce (account), the coins "
                + "spent and the outputs (utxo)")
        boolean explain;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", description = "receipt wait (default: ${DEFAULT-VALUE})")
        Duration timeout;

        @Override
        public Integer call() throws IOException, InterruptedException {
            if (amount.signum() < 0 || amount.compareTo(Transaction.MAX_VALUE) > 0) {
                throw new ParameterException(spec.commandLine(), "--amount: must be between 0 and 2^256-1, got " + amount);
            }
            if (nonce != null && nonce < 0) {
                throw new ParameterException(spec.commandLine(), "--nonce: must not be negative, got " + nonce);
            }
            RpcClient rpc = endpoint.client(spec);
            NodeHome home = endpoint.nodeHome();
            PrintWriter out = spec.commandLine().getOut();
            try {
                ChainFacts chain = ChainFacts.of(rpc, home);
                CryptoSuite suite = chain.suite();
                byte[] key;
                Address recipient;
                byte[] recipientPublicKey = null;
                try {
                    key = Accounts.privateKey(from, home, "--from");
                    if ("private".equals(chain.ledger())) {
                        recipientPublicKey = Accounts.publicKey(to, home, suite, "--to");
                        recipient = suite.address(recipientPublicKey);
                    } else {
                        recipient = Accounts.address(to, home, suite, "--to");
                    }
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), e.getMessage());
                }
                byte[] publicKey = suite.publicKey(key);
                Address sender = suite.address(publicKey);
                Envelope tx;
                byte[] receiverKey = null;
                List<String> explained = new ArrayList<>();
                String summary;
                switch (chain.ledger()) {
                    case "account" -> {
                        long n = nonce != null ? nonce
                                : RpcClient.quantity(rpc.call("getNonce", sender.toHex()), "getNonce").longValueExact();
                        tx = AccountTransfers.sign(suite, chain.chainId(), n, recipient, amount, new byte[0], key,
                                publicKey);
                        explained.add("nonce " + Long.toUnsignedString(n) + (nonce != null ? " (--nonce)"
                                : " (getNonce: the account's next nonce)"));
                        summary = "from " + sender.toHex() + " nonce " + n + " to " + recipient.toHex() + " amount " + amount;
                    }
                    case "utxo" -> {
                        if (nonce != null) {
                            throw new ParameterException(spec.commandLine(), "--nonce: a utxo chain has no nonces");
                        }
                        if (amount.signum() == 0) {
                            throw new ParameterException(spec.commandLine(), "--amount: a utxo output is at least 1");
                        }
                        List<UtxoTransfers.Coin> chosen;
                        try {
                            chosen = UtxoTransfers.select(unspentCoins(rpc, sender), amount);
                        } catch (IllegalArgumentException e) {
                            throw new CommandFailure(sender.toHex() + ": " + e.getMessage());
                        }
                        List<UtxoTransfers.Output> outputs = UtxoTransfers.outputs(chosen, sender, recipient, amount);
                        tx = UtxoTransfers.sign(suite, chain.chainId(), chosen, outputs, key, publicKey);
                        for (UtxoTransfers.Coin c : chosen) {
                            explained.add("input  " + c);
                        }
                        for (UtxoTransfers.Output o : outputs) {
                            explained.add("output " + o.owner().toHex() + " " + o.amount()
                                    + (o.owner().equals(recipient) ? "" : " (change)"));
                        }
                        summary = "from " + sender.toHex() + " spending " + chosen.size() + " coin(s) to "
                                + recipient.toHex() + " amount " + amount;
                    }
                    case "dag" -> {
                        if (nonce != null) {
                            throw new ParameterException(spec.commandLine(), "--nonce: a dag chain has no nonces");
                        }
                        if (amount.signum() == 0) {
                            throw new ParameterException(spec.commandLine(), "--amount: a dag send is at least 1");
                        }
                        Hash previous = pendingHead(rpc, sender);
                        tx = DagTransfers.send(suite, chain.chainId(), previous, recipient, amount, key, publicKey);
                        explained.add("previous " + previous.toHex() + " (the head of " + sender.toHex()
                                + "'s chain, its pending transactions counted)");
                        summary = "from " + sender.toHex() + " sending to " + recipient.toHex() + " amount " + amount;
                        receiverKey = recipientKey(home, suite, recipient);
                    }
                    case "private" -> {
                        if (nonce != null) {
                            throw new ParameterException(spec.commandLine(), "--nonce: a private chain has no nonces");
                        }
                        if (amount.bitLength() > 64) {
                            throw new ParameterException(spec.commandLine(), "--amount: a private chain's amounts are "
                                    + "below 2^64, got " + amount);
                        }
                        Group group = Group.of(suite.name());
                        PrivateTransfers.prepare(suite, group);
                        Genesis genesis = PrivateTransfers.genesis(rpc);
                        List<PrivateTransfers.Coin> chosen;
                        try {
                            chosen = PrivateTransfers.select(PrivateTransfers.open(rpc, group, genesis, sender,
                                    new BigInteger(1, key)), amount);
                        } catch (IllegalArgumentException e) {
                            throw new CommandFailure(sender.toHex() + ": " + e.getMessage());
                        }
                        long proving = System.nanoTime();
                        PrivateTransfers.Made made = PrivateTransfers.transfer(suite, group, chain.chainId(), chosen,
                                recipientPublicKey, amount.longValue(), 0, key, publicKey,
                                genesis.auditorKey().orElse(null), new java.security.SecureRandom());
                        tx = made.tx();
                        for (PrivateTransfers.Coin c : chosen) {
                            explained.add("input  " + c);
                        }
                        for (Map.Entry<Address, Long> o : made.outputs()) {
                            explained.add("output " + o.getKey().toHex() + " " + Long.toUnsignedString(o.getValue())
                                    + (o.getKey().equals(recipient) ? "" : " (change)"));
                        }
                        explained.add("commitments, range proof and kernel made in "
                                + (System.nanoTime() - proving) / 1_000_000 + " ms"
                                + (genesis.auditor() != null ? "; openings sealed to the owners and the auditor" : ""));
                        summary = "from " + sender.toHex() + " spending " + chosen.size() + " coin(s) to "
                                + recipient.toHex() + " amount " + amount + " (hidden on chain)";
                    }
                    default -> throw new CommandFailure("cairn tx transfer does not know the '" + chain.ledger()
                            + "' ledger model of this chain");
                }
                String txHash = Bytes.toHex(suite.hash(tx.payload()));
                JsonNode sent = rpc.call("sendTransaction", Bytes.toHex(tx.encoded()));
                if (sent.isTextual() && !sent.asText().equalsIgnoreCase(txHash)) {
                    throw new CommandFailure("the node computed transaction hash " + sent.asText() + ", we signed " + txHash
                            + ": the node and this client disagree on the transaction format");
                }
                out.println("transaction " + txHash);
                out.println("  " + summary);
                if (explain) {
                    for (String line : explained) {
                        out.println("  " + line);
                    }
                }
                String receiveHash = null;
                if (receiverKey != null) {
                    // On a dag chain the recipient takes the amount with a receive: made here when its key is at hand.
                    byte[] receiverPub = suite.publicKey(receiverKey);
                    Hash receiverPrevious = pendingHead(rpc, recipient);
                    Envelope receive = DagTransfers.receive(suite, chain.chainId(), receiverPrevious, Hash.fromHex(txHash),
                            receiverKey, receiverPub);
                    receiveHash = Bytes.toHex(suite.hash(receive.payload()));
                    rpc.call("sendTransaction", Bytes.toHex(receive.encoded()));
                    out.println("transaction " + receiveHash);
                    out.println("  " + recipient.toHex() + " receives it");
                    if (explain) {
                        out.println("  previous " + receiverPrevious.toHex() + " (the head of " + recipient.toHex()
                                + "'s chain)");
                        out.println("  source   " + txHash + " (the send)");
                    }
                } else if ("dag".equals(chain.ledger())) {
                    out.println("  " + recipient.toHex() + " takes it with a receive naming " + txHash
                            + " (cairn tx receive)");
                }
                out.flush();
                if (noWait) {
                    return 0;
                }
                JsonNode receipt = awaitReceipt(rpc, txHash);
                if (receipt == null) {
                    throw new CommandFailure("no receipt for " + txHash + " within " + timeout.toSeconds()
                            + " s (it may still be pending: cairn query receipt " + txHash + ")");
                }
                String status = receipt.hasNonNull("statusText") ? receipt.path("statusText").asText()
                        : receipt.path("status").asText("?");
                out.println("  block  " + receipt.path("blockNumber").asText("?"));
                out.println("  status " + status + (receipt.hasNonNull("message") && !receipt.path("message").asText().isEmpty()
                        ? " (" + receipt.path("message").asText() + ")" : ""));
                out.flush();
                if (receiveHash != null && succeeded(receipt.path("status"))) {
                    JsonNode received = awaitReceipt(rpc, receiveHash);
                    if (received == null) {
                        throw new CommandFailure("no receipt for the receive " + receiveHash + " within "
                                + timeout.toSeconds() + " s");
                    }
                    out.println("  received in block " + received.path("blockNumber").asText("?") + ", status "
                            + received.path("statusText").asText(received.path("status").asText("?")));
                    out.flush();
                    return succeeded(received.path("status")) ? 0 : 1;
                }
                return succeeded(receipt.path("status")) ? 0 : 1;
            } catch (RpcException e) {
                throw new CommandFailure("RPC error " + e.code() + ": " + e.getMessage());
            } catch (IOException e) {
                throw new CommandFailure(e.getMessage(), e);
            }
        }

        private JsonNode awaitReceipt(RpcClient rpc, String txHash) throws IOException, RpcException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            do {
                JsonNode r = rpc.call("getTransactionReceipt", txHash);
                if (!r.isNull() && !r.isMissingNode()) {
                    return r;
                }
                Thread.sleep(POLL_MS);
            } while (System.nanoTime() < deadline);
            return null;
        }

        /** The head of {@code account}'s dag chain, after its pending transactions (getAccountInfo). */
        static Hash pendingHead(RpcClient rpc, Address account) throws IOException, RpcException {
            return Hash.fromHex(rpc.call("getAccountInfo", account.toHex()).path("pendingHead").asText());
        }

        /** The key of the home's account with address {@code to}, or null when the home has none. */
        private static byte[] recipientKey(NodeHome home, CryptoSuite suite, Address to) throws IOException {
            if (home == null || !home.isInitialized()) {
                return null;
            }
            for (String name : home.accounts()) {
                byte[] k = Accounts.privateKey(name, home, "--to");
                if (suite.address(suite.publicKey(k)).equals(to)) {
                    return k;
                }
            }
            return null;
        }

        /** The sender's coins that no pending transaction spends (getUtxos). */
        private static List<UtxoTransfers.Coin> unspentCoins(RpcClient rpc, Address owner) throws IOException, RpcException {
            JsonNode coins = rpc.call("getUtxos", owner.toHex());
            List<UtxoTransfers.Coin> out = new ArrayList<>();
            for (JsonNode c : coins) {
                if (c.path("spentBy").isNull()) {
                    out.add(new UtxoTransfers.Coin(Hash.fromHex(c.path("txHash").asText()), c.path("index").asInt(),
                            new BigInteger(c.path("amount").asText())));
                }
            }
            return out;
        }

        /** Status as the node reports it: the name (SUCCESS) or the code (0, "0x0"). */
        static boolean succeeded(JsonNode status) {
            String s = status.asText();
            return s.equalsIgnoreCase("SUCCESS") || s.equals("0") || s.equalsIgnoreCase("0x0");
        }
    }

    @Command(name = "receive", mixinStandardHelpOptions = true,
            description = "On a dag chain: take the amount of a send with a receive on the recipient's chain, then wait "
                    + "for its receipt.")
    static final class Receive implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        EndpointOptions endpoint;

        @Option(names = "--as", required = true, paramLabel = "NAME|KEYFILE", description = "the recipient: an account of the node home or a key file")
        String as;

        @Option(names = "--send", required = true, paramLabel = "TXHASH", description = "the send to receive")
        String send;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", description = "receipt wait (default: ${DEFAULT-VALUE})")
        Duration timeout;

        @Override
        public Integer call() throws IOException, InterruptedException {
            RpcClient rpc = endpoint.client(spec);
            NodeHome home = endpoint.nodeHome();
            PrintWriter out = spec.commandLine().getOut();
            Hash source;
            byte[] key;
            try {
                source = Hash.fromHex(send);
                key = Accounts.privateKey(as, home, "--as");
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage().startsWith("--as") ? e.getMessage()
                        : "--send: " + e.getMessage());
            }
            try {
                ChainFacts chain = ChainFacts.of(rpc, home);
                if (!"dag".equals(chain.ledger())) {
                    throw new CommandFailure("cairn tx receive is for dag chains; this chain's ledger is " + chain.ledger());
                }
                CryptoSuite suite = chain.suite();
                byte[] pub = suite.publicKey(key);
                Address account = suite.address(pub);
                Hash previous = Transfer.pendingHead(rpc, account);
                Envelope tx = DagTransfers.receive(suite, chain.chainId(), previous, source, key, pub);
                String hash = Bytes.toHex(suite.hash(tx.payload()));
                rpc.call("sendTransaction", Bytes.toHex(tx.encoded()));
                out.println("transaction " + hash);
                out.println("  " + account.toHex() + " receives " + source.toHex() + " (previous " + previous.toHex() + ")");
                out.flush();
                long deadline = System.nanoTime() + timeout.toNanos();
                JsonNode r;
                while ((r = rpc.call("getTransactionReceipt", hash)).isNull() && System.nanoTime() < deadline) {
                    Thread.sleep(Transfer.POLL_MS);
                }
                if (r.isNull()) {
                    throw new CommandFailure("no receipt for " + hash + " within " + timeout.toSeconds() + " s");
                }
                out.println("  block  " + r.path("blockNumber").asText("?"));
                out.println("  status " + r.path("statusText").asText(r.path("status").asText("?")));
                out.flush();
                return Transfer.succeeded(r.path("status")) ? 0 : 1;
            } catch (RpcException e) {
                throw new CommandFailure("RPC error " + e.code() + ": " + e.getMessage());
            }
        }
    }
}
