package io.cairn.launcher.node;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Uint256;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.Suites;
import io.cairn.launcher.client.OperatorSshKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Creates a node home: keys, genesis, the profile's configuration (what {@code cairn init} does). */
public final class NodeInit {
    public static final List<String> SUITES = List.of(CryptoSuite.SECP256K1, CryptoSuite.SM2);

    /** The SSH shell's port for the default JSON-RPC port; see {@link #defaultSshPort(int)}. */
    public static final int SSH_PORT = 20600;
    private static final int RPC_PORT = 20200;

    /** What to create; {@link #validate()} names the first bad field. */
    public record Options(Path dir, String profile, String suite, long chainId, List<String> accounts,
            BigInteger supply, int rpcPort, int sshPort, boolean force) {

        /** The SSH port follows the JSON-RPC port ({@link #defaultSshPort(int)}). */
        public Options(Path dir, String profile, String suite, long chainId, List<String> accounts,
                BigInteger supply, int rpcPort, boolean force) {
            this(dir, profile, suite, chainId, accounts, supply, rpcPort, defaultSshPort(rpcPort), force);
        }

        public void validate() {
            if (!SUITES.contains(suite)) {
                throw new IllegalArgumentException("--suite: unknown suite '" + suite + "' (expected one of " + String.join(", ", SUITES) + ")");
            }
            if (chainId <= 0) {
                throw new IllegalArgumentException("--chain-id: must be positive, got " + chainId);
            }
            if (accounts.isEmpty()) {
                throw new IllegalArgumentException("--accounts: at least one account is needed");
            }
            for (String a : accounts) {
                if (!a.matches("[A-Za-z0-9_-]{1,64}")) {
                    throw new IllegalArgumentException("--accounts: bad account name '" + a + "' (letters, digits, _ and - only)");
                }
            }
            if (accounts.stream().distinct().count() != accounts.size()) {
                throw new IllegalArgumentException("--accounts: names repeat in " + String.join(",", accounts));
            }
            if (supply.signum() <= 0 || supply.bitLength() > 255) {
                throw new IllegalArgumentException("--supply: must be a positive amount below 2^255, got " + supply);
            }
            checkGenesisSize(1, accounts.size(), supply, chainId, suite);
            if (rpcPort < 1 || rpcPort > 65535) {
                throw new IllegalArgumentException("--rpc-port: must be 1..65535, got " + rpcPort);
            }
            if (sshPort < 1 || sshPort > 65535) {
                throw new IllegalArgumentException("--ssh-port: must be 1..65535, got " + sshPort);
            }
            if (sshPort == rpcPort) {
                throw new IllegalArgumentException("--ssh-port: " + sshPort + " is the JSON-RPC port too");
            }
        }
    }

    /**
     * What a chain of several nodes decides for each of its homes: the node key, the shared genesis and
     * account keys, this node's index, and configuration beyond the profile's (network peers).
     */
    public record Plan(CryptoSuite.KeyPair node, Genesis genesis, Map<String, byte[]> accountKeys, int index,
            Map<String, Map<String, String>> config) {}

    /** What was created, for the command's summary. */
    public record Result(NodeHome home, Genesis genesis, String nodePublicKey, Map<String, Address> accounts,
            String rpcEndpoint, int sshPort) {}

    private NodeInit() {}

    /**
     * 20600 + the node index, taking the index from the JSON-RPC port's offset to 20200 (nodes on one
     * machine get consecutive RPC ports): two nodes with different RPC ports never share an SSH port.
     */
    public static int defaultSshPort(int rpcPort) {
        int port = SSH_PORT + (rpcPort - RPC_PORT);
        return port >= 1024 && port <= 65535 && port != rpcPort ? port : SSH_PORT;
    }

    /**
     * @throws IllegalArgumentException for bad options or an unknown profile (a usage error)
     * @throws IllegalStateException when the home is initialized and {@code force} is off, or it is running
     */
    public static Result init(Options o, FeatureSource features, long now) throws IOException {
        return init(o, features, now, null);
    }

    /** As {@link #init(Options, FeatureSource, long)}, with a chain's plan for this node when not null. */
    public static Result init(Options o, FeatureSource features, long now, Plan plan) throws IOException {
        o.validate();
        Feature feature = Feature.resolve(o.profile(), features);
        NodeHome home = new NodeHome(o.dir());
        if (home.isInitialized()) {
            if (!o.force()) {
                throw new IllegalStateException("node home " + home + " is already initialized (--force wipes it and starts a new chain)");
            }
            new PidFile(home.pidFile()).liveProcess().ifPresent(p -> {
                throw new IllegalStateException("node home " + home + " is in use by a running node, pid " + p.pid() + ": stop it first");
            });
            // A new genesis on old chain data would not open, so --force starts the chain over.
            for (Path p : List.of(home.etc(), home.keys(), home.data())) {
                deleteTree(p);
            }
        }
        for (Path p : List.of(home.etc(), home.data(), home.accountKeys(), home.logs(), home.deploy())) {
            Files.createDirectories(p);
        }

        CryptoSuite suite = Suites.byName(o.suite());
        CryptoSuite.KeyPair node = plan != null ? plan.node() : suite.generateKeyPair();
        KeyFile.writePrivate(home.keys().resolve("node.key"), node.privateKey());
        KeyFile.writePublic(home.keys().resolve("node.pub"), node.publicKey());
        CryptoSuite.KeyPair operator = suite.generateKeyPair();
        KeyFile.writePrivate(home.keys().resolve("operator.key"), operator.privateKey());
        KeyFile.writePublic(home.keys().resolve("operator.pub"), operator.publicKey());
        // The SSH shell's login key (cairn shell); the chain's operator key above signs bundles.
        OperatorSshKey.create(home.keys(), "operator@cairn:" + home.dir());

        Map<String, Address> accounts = new LinkedHashMap<>();
        TreeMap<Address, BigInteger> alloc = new TreeMap<>();
        for (String name : o.accounts()) {
            byte[] key = plan != null ? plan.accountKeys().get(name) : suite.generateKeyPair().privateKey();
            KeyFile.writePrivate(home.accountKey(name), key);
            Address a = suite.address(suite.publicKey(key));
            accounts.put(name, a);
            alloc.put(a, o.supply());
        }
        Uint256.toBytes(alloc.values().stream().reduce(BigInteger.ZERO, BigInteger::add));
        Genesis genesis = plan != null ? plan.genesis()
                : new Genesis(o.chainId(), suite.name(), feature.ledgerModel(), now, List.of(Bytes.toHex(node.publicKey())),
                        alloc);
        writeGenesis(home.genesisFile(), genesis, accounts);

        Map<String, Map<String, String>> config = new LinkedHashMap<>();
        feature.config().forEach((pid, props) -> config.put(pid, new LinkedHashMap<>(props)));
        if (plan != null) {
            plan.config().forEach((pid, props) -> config.computeIfAbsent(pid, k -> new LinkedHashMap<>()).putAll(props));
        }
        config.computeIfAbsent("io.cairn.crypto", k -> new LinkedHashMap<>()).put("suite", suite.name());
        config.get("io.cairn.crypto").putIfAbsent("nodeKey", "keys/node.key");
        config.computeIfAbsent("io.cairn.chain", k -> new LinkedHashMap<>()).putIfAbsent("genesis", "etc/genesis.properties");
        Map<String, String> rpc = config.computeIfAbsent("io.cairn.rpc", k -> new LinkedHashMap<>());
        rpc.putIfAbsent("host", "127.0.0.1");
        rpc.put("port", Integer.toString(o.rpcPort()));
        Map<String, String> ssh = config.computeIfAbsent("io.cairn.ssh", k -> new LinkedHashMap<>());
        ssh.putIfAbsent("host", "127.0.0.1");
        ssh.put("port", Integer.toString(o.sshPort()));
        ssh.putIfAbsent("authorizedKeys", "keys/" + OperatorSshKey.AUTHORIZED_KEYS);
        ssh.putIfAbsent("hostKey", "data/ssh/host.key");
        ssh.putIfAbsent("passwordLogin", "false");
        ssh.putIfAbsent("allowRemote", "false");
        for (Map.Entry<String, Map<String, String>> e : config.entrySet()) {
            writeProperties(home.config(e.getKey()), "Configuration of " + e.getKey() + " (defaults of feature " + o.profile()
                    + "); FileInstall delivers changes to the running node.", e.getValue());
        }

        String endpoint = "http://" + rpc.get("host") + ":" + o.rpcPort();
        Map<String, String> nodeProps = new LinkedHashMap<>();
        nodeProps.put("profile", o.profile());
        nodeProps.put("node.index", Integer.toString(plan != null ? plan.index() : 0));
        nodeProps.put("rpc.endpoint", endpoint);
        nodeProps.put("ssh.port", Integer.toString(o.sshPort()));
        nodeProps.put("accounts", String.join(",", o.accounts()));
        writeProperties(home.nodePropertiesFile(), "Cairn node home, written by `cairn init`.", nodeProps);
        return new Result(home, genesis, Bytes.toHex(node.publicKey()), accounts, endpoint, o.sshPort());
    }

    /** Properties-format, but ordered and commented so that an operator can read it. */
    private static void writeGenesis(Path file, Genesis g, Map<String, Address> names) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# Genesis of chain ").append(g.chainId()).append(", written by `cairn init`. Every node of the chain\n");
        b.append("# needs this exact file: its canonical encoding is block 0's extra data.\n");
        b.append("chainId=").append(g.chainId()).append('\n');
        b.append("suite=").append(g.suite()).append('\n');
        b.append("ledger=").append(g.ledger()).append('\n');
        b.append("timestamp=").append(g.timestamp()).append('\n');
        b.append("sealers=").append(String.join(",", g.sealers())).append('\n');
        for (Map.Entry<String, Address> e : names.entrySet()) {
            b.append("# ").append(e.getKey()).append('\n');
            b.append("alloc.").append(e.getValue().toHex()).append('=').append(g.alloc().get(e.getValue())).append('\n');
        }
        Files.writeString(file, b, StandardCharsets.UTF_8);
    }

    static void writeProperties(Path file, String comment, Map<String, String> values) throws IOException {
        StringBuilder b = new StringBuilder("# ").append(comment).append('\n');
        values.forEach((k, v) -> b.append(k).append('=').append(escape(v)).append('\n'));
        Files.writeString(file, b, StandardCharsets.UTF_8);
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\");
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(paths::add);
        }
        try {
            for (Path p : paths) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    /**
     * Refuses a genesis that block 0's header could not hold: its encoding is the header's extra field, which a
     * node reads back only up to {@link io.cairn.api.chain.BlockHeader#MAX_EXTRA} bytes (a larger one was written at
     * the first start and refused at every start after it).
     */
    static void checkGenesisSize(int sealers, int accounts, BigInteger supply, long chainId, String suite) {
        int size = genesisSize(sealers, accounts, supply, chainId, suite);
        if (size <= io.cairn.api.chain.BlockHeader.MAX_EXTRA) {
            return;
        }
        int most = 0;
        for (int step = 1 << 16; step > 0; step >>= 1) {
            if (genesisSize(sealers, most + step, supply, chainId, suite) <= io.cairn.api.chain.BlockHeader.MAX_EXTRA) {
                most += step;
            }
        }
        throw new IllegalArgumentException("--accounts: " + accounts + " accounts make a genesis of " + size
                + " bytes, over the " + io.cairn.api.chain.BlockHeader.MAX_EXTRA + " bytes block 0's header holds: at "
                + "most " + most + " accounts with this supply; fund more with transfers once the chain runs");
    }

    /** The encoded size of a genesis with these counts (distinct placeholder addresses and keys, the longest ledger name). */
    private static int genesisSize(int sealers, int accounts, BigInteger supply, long chainId, String suite) {
        java.util.SortedMap<Address, BigInteger> alloc = new TreeMap<>();
        for (int i = 0; i < accounts; i++) {
            byte[] a = new byte[Address.SIZE];
            java.nio.ByteBuffer.wrap(a).putInt(i + 1);
            alloc.put(Address.of(a), supply);
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < sealers; i++) {
            keys.add(Bytes.toHex(new byte[64]));
        }
        return new Genesis(chainId, suite, "account-longest", 0, keys, alloc).encode().length;
    }
}
