package io.cairn.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.confidential.Group;
import io.cairn.confidential.Opening;
import io.cairn.confidential.Pedersen;
import io.cairn.confidential.SealedOpening;
import io.cairn.launcher.client.PrivateTransfers;
import io.cairn.launcher.client.RpcClient;
import io.cairn.launcher.client.RpcException;
import io.cairn.launcher.node.NodeHome;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cairn audit --key K}: the auditor of a private chain reads every amount on it (docs/privacy.md, Auditor).
 * From block 0 to the head it opens each output's opening sealed to the auditor, checks it against the output's
 * commitment, follows the spends, and at the end checks that the unspent coins and the burnt fees hold exactly the
 * genesis supply. Exit 0 when every amount opened and the supply holds, 1 with each finding named otherwise.
 */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "On a private chain with an auditor: print "
        + "every amount on the chain, each checked against its commitment, the balances, and whether the supply holds.")
final class AuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EndpointOptions endpoint;

    @Option(names = "--key", required = true, paramLabel = "NAME|KEYFILE",
            description = "the auditor's key: an account of the node home (auditor, with init --auditor) or a key file")
    String key;

    @Option(names = "--quiet", description = "print the balances and the findings, not every amount")
    boolean quiet;

    private record Held(Address owner, long amount) {}

    @Override
    public Integer call() throws IOException {
        RpcClient rpc = endpoint.client(spec);
        NodeHome home = endpoint.nodeHome();
        PrintWriter out = spec.commandLine().getOut();
        byte[] auditorKey;
        try {
            auditorKey = Accounts.privateKey(key, home, "--key");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            ChainFacts chain = ChainFacts.of(rpc, home);
            if (!"private".equals(chain.ledger())) {
                throw new CommandFailure("cairn audit is for private chains; this chain's ledger is " + chain.ledger());
            }
            CryptoSuite suite = chain.suite();
            Group group = Group.of(suite.name());
            Genesis genesis = PrivateTransfers.genesis(rpc);
            String mine = Bytes.toHex(suite.publicKey(auditorKey));
            if (genesis.auditor() == null) {
                throw new CommandFailure("this chain has no auditor: its genesis names none (init --auditor)");
            }
            if (!genesis.auditor().equalsIgnoreCase(mine)) {
                throw new CommandFailure("--key is not the chain's auditor: genesis names " + genesis.auditor()
                        + ", the key's public key is " + mine);
            }
            BigInteger sk = new BigInteger(1, auditorKey);
            Map<String, Held> coins = new LinkedHashMap<>();
            int i = 0;
            for (Map.Entry<Address, BigInteger> a : genesis.alloc().entrySet()) {
                if (a.getValue().signum() != 0) {
                    coins.put(Hash.ZERO.toHex() + ":" + i++, new Held(a.getKey(), a.getValue().longValue()));
                }
            }
            int findings = 0;
            long outputs = 0;
            BigInteger burnt = BigInteger.ZERO;
            long head = RpcClient.quantity(rpc.call("getBlockNumber"), "getBlockNumber").longValueExact();
            for (long n = 1; n <= head; n++) {
                JsonNode block = rpc.call("getBlockByNumber", n, true);
                for (JsonNode tx : block.path("transactions")) {
                    if (!"private".equals(tx.path("ledger").asText())) {
                        continue; // governance
                    }
                    String hash = tx.path("hash").asText();
                    for (JsonNode in : tx.path("inputs")) {
                        String id = in.path("txHash").asText() + ":" + in.path("index").asLong();
                        if (coins.remove(id) == null) {
                            out.println("FINDING block " + n + " tx " + hash + " spends " + id + ", which the audit "
                                    + "never saw made");
                            findings++;
                        }
                    }
                    JsonNode outs = tx.path("outputs");
                    for (int k = 0; k < outs.size(); k++) {
                        JsonNode o = outs.get(k);
                        Address owner = Address.fromHex(o.path("owner").asText());
                        Opening opening = o.path("sealedToAuditor").isNull() ? null
                                : SealedOpening.open(group, sk, Bytes.fromHex(o.path("sealedToAuditor").asText()));
                        boolean opens = opening != null && opening.opens(group,
                                group.decode(Bytes.fromHex(o.path("commitment").asText()), "commitment"));
                        outputs++;
                        if (!opens) {
                            out.println("FINDING block " + n + " tx " + hash + " output " + k + " (" + owner.toHex()
                                    + "): its opening sealed to the auditor does not open its commitment");
                            findings++;
                            continue;
                        }
                        coins.put(hash + ":" + k, new Held(owner, opening.amount()));
                        if (!quiet) {
                            out.println("block " + n + " tx " + hash + " output " + k + " " + owner.toHex() + " amount "
                                    + Long.toUnsignedString(opening.amount()) + " (opens its commitment)");
                        }
                    }
                    burnt = burnt.add(new BigInteger(tx.path("fee").asText("0")));
                }
            }
            TreeMap<Address, BigInteger> balances = new TreeMap<>();
            BigInteger unspent = BigInteger.ZERO;
            for (Held h : coins.values()) {
                BigInteger v = Pedersen.amount(h.amount());
                balances.merge(h.owner(), v, BigInteger::add);
                unspent = unspent.add(v);
            }
            out.println("balances at block " + head + " (" + outputs + " outputs opened, " + coins.size()
                    + " coins unspent):");
            balances.forEach((a, v) -> out.println("  " + a.toHex() + " " + v));
            BigInteger supply = genesis.totalSupply();
            boolean holds = unspent.add(burnt).equals(supply);
            out.println("supply " + supply + " at genesis; " + unspent + " unspent + " + burnt + " fees burnt: "
                    + (holds ? "holds" : "DOES NOT HOLD"));
            if (!holds) {
                findings++;
            }
            out.println(findings == 0 ? "audit passed" : "audit found " + findings + " problem(s)");
            out.flush();
            return findings == 0 ? 0 : 1;
        } catch (RpcException e) {
            throw new CommandFailure("RPC error " + e.code() + ": " + e.getMessage());
        }
    }
}
