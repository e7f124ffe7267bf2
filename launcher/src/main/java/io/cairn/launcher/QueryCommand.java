package io.cairn.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Address;
import io.cairn.launcher.client.RpcClient;
import io.cairn.launcher.client.RpcException;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "query", mixinStandardHelpOptions = true, description = "Ask a node about its chain; prints the JSON result.",
        subcommands = {QueryCommand.Height.class, QueryCommand.Block.class, QueryCommand.Tx.class, QueryCommand.Receipt.class,
                QueryCommand.Balance.class, QueryCommand.Nonce.class, QueryCommand.Info.class})
final class QueryCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    EndpointOptions endpoint;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing query: one of " + String.join(", ", spec.subcommands().keySet()));
    }

    /** Shared by the queries: endpoint options given before or after the query name, RPC errors as failures. */
    abstract static class Query implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        QueryCommand parent;

        @Mixin
        EndpointOptions endpoint;

        EndpointOptions endpoint() {
            return endpoint.or(parent.endpoint);
        }

        abstract JsonNode query(RpcClient rpc) throws IOException, RpcException;

        @Override
        public Integer call() {
            RpcClient rpc = endpoint().client(spec);
            try {
                JsonNode result = query(rpc);
                spec.commandLine().getOut().println(RpcClient.pretty(result));
                spec.commandLine().getOut().flush();
                return 0;
            } catch (RpcException e) {
                throw new CommandFailure("RPC error " + e.code() + ": " + e.getMessage());
            } catch (IOException e) {
                throw new CommandFailure(e.getMessage(), e);
            }
        }

        Address address(String nameOrAddress, RpcClient rpc) throws IOException, RpcException {
            try {
                if (nameOrAddress.startsWith("0x") || nameOrAddress.startsWith("0X")) {
                    return Accounts.address(nameOrAddress, endpoint().nodeHome(), null, "ACCOUNT");
                }
                return Accounts.address(nameOrAddress, endpoint().nodeHome(), ChainFacts.suite(rpc, endpoint().nodeHome()), "ACCOUNT");
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }

        static String hash(String s, CommandSpec spec) {
            if (!s.matches("0[xX][0-9a-fA-F]{64}")) {
                throw new ParameterException(spec.commandLine(), "HASH: expected 0x and 64 hex digits, got '" + s + "'");
            }
            return s.toLowerCase();
        }
    }

    @Command(name = "height", mixinStandardHelpOptions = true, description = "The head block number.")
    static final class Height extends Query {
        @Override
        JsonNode query(RpcClient rpc) throws IOException, RpcException {
            return rpc.call("getBlockNumber");
        }
    }

    @Command(name = "block", mixinStandardHelpOptions = true, description = "A block by number or hash (default: latest).")
    static final class Block extends Query {
        @Parameters(paramLabel = "N|HASH|latest", defaultValue = "latest", arity = "0..1")
        String which;

        @Option(names = "--full", description = "include the transactions, not only their hashes")
        boolean full;

        @Override
        JsonNode query(RpcClient rpc) throws IOException, RpcException {
            if (which.startsWith("0x") || which.startsWith("0X")) {
                return rpc.call("getBlockByHash", hash(which, spec), full);
            }
            long number;
            if (which.equals("latest")) {
                number = RpcClient.quantity(rpc.call("getBlockNumber"), "getBlockNumber").longValueExact();
            } else {
                try {
                    number = Long.parseLong(which);
                } catch (NumberFormatException e) {
                    throw new ParameterException(spec.commandLine(), "block: expected a number, a 0x hash or 'latest', got '" + which + "'");
                }
                if (number < 0) {
                    throw new ParameterException(spec.commandLine(), "block: negative block number " + number);
                }
            }
            return rpc.call("getBlockByNumber", number, full);
        }
    }

    @Command(name = "tx", mixinStandardHelpOptions = true, description = "A transaction by hash.")
    static final class Tx extends Query {
        @Parameters(paramLabel = "HASH")
        String hash;

        @Override
        JsonNode query(RpcClient rpc) throws IOException, RpcException {
            return rpc.call("getTransaction", hash(hash, spec));
        }
    }

    @Command(name = "receipt", mixinStandardHelpOptions = true, description = "A transaction's receipt by hash.")
    static final class Receipt extends Query {
        @Parameters(paramLabel = "HASH")
        String hash;

        @Override
        JsonNode query(RpcClient rpc) throws IOException, RpcException {
            return rpc.call("getTransactionReceipt", hash(hash, spec));
        }
    }

    @Command(name = "balance", mixinStandardHelpOptions = true, description = "An account's balance. On a private "
            + "chain only its key's holder can read it: NAME or KEYFILE, whose key opens the account's coins.")
    static final class Balance extends Query {
        @Parameters(paramLabel = "NAME|ADDRESS|KEYFILE")
        String account;

        @Override
        JsonNode query(RpcClient rpc) throws IOException, RpcException {
            io.cairn.launcher.node.NodeHome home = endpoint().nodeHome();
            ChainFacts chain = ChainFacts.of(rpc, home);
            if (!"private".equals(chain.ledger())) {
                return rpc.call("getBalance", address(account, rpc).toHex());
            }
            if (account.startsWith("0x") || account.startsWith("0X")) {
                throw new ParameterException(spec.commandLine(), "a private chain hides balances: give the account's "
                        + "name or key file, whose key opens its coins (an address shows nothing)");
            }
            byte[] key;
            try {
                key = Accounts.privateKey(account, home, "ACCOUNT");
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            io.cairn.confidential.Group group = io.cairn.confidential.Group.of(chain.suite().name());
            Address owner = chain.suite().address(chain.suite().publicKey(key));
            java.util.List<io.cairn.launcher.client.PrivateTransfers.Coin> coins =
                    io.cairn.launcher.client.PrivateTransfers.open(rpc, group,
                            io.cairn.launcher.client.PrivateTransfers.genesis(rpc), owner, new java.math.BigInteger(1, key));
            com.fasterxml.jackson.databind.node.ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory
                    .instance.objectNode();
            o.put("address", owner.toHex());
            o.put("balance", io.cairn.launcher.client.PrivateTransfers.total(coins).toString());
            o.put("coins", coins.size());
            o.put("beingSpent", io.cairn.launcher.client.PrivateTransfers.total(coins.stream()
                    .filter(io.cairn.launcher.client.PrivateTransfers.Coin::pending).toList()).toString());
            return o;
        }
    }

    @Command(name = "nonce", mixinStandardHelpOptions = true, description = "An account's next nonce.")
    static final class Nonce extends Query {
        @Parameters(paramLabel = "NAME|ADDRESS")
        String account;

        @Override
        JsonNode query(RpcClient rpc) throws IOException, RpcException {
            return rpc.call("getNonce", address(account, rpc).toHex());
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "The node: chain id, suite, engines, head.")
    static final class Info extends Query {
        @Override
        JsonNode query(RpcClient rpc) throws IOException, RpcException {
            return rpc.call("getNodeInfo");
        }
    }
}
