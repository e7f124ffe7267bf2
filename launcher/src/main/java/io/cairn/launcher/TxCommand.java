package io.cairn.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.launcher.client.AccountTransfers;
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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "tx", mixinStandardHelpOptions = true, description = "Sign and send transactions.",
        subcommands = TxCommand.Transfer.class)
final class TxCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: transfer");
    }

    @Command(name = "transfer", mixinStandardHelpOptions = true,
            description = "Transfer an amount, then wait for its receipt (tx hash, block, status). On an account chain a "
                    + "version 2 account transaction with the sender's next nonce; on a utxo chain the sender's largest unspent "
                    + "coins, the change back to the sender.")
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
                try {
                    key = Accounts.privateKey(from, home, "--from");
                    recipient = Accounts.address(to, home, suite, "--to");
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), e.getMessage());
                }
                byte[] publicKey = suite.publicKey(key);
                Address sender = suite.address(publicKey);
                Envelope tx;
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
}
