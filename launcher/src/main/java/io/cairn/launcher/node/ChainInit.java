package io.cairn.launcher.node;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Uint256;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.Suites;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Creates a chain of several nodes on this machine (what {@code cairn init --nodes N} does): one
 * genesis listing the consensus nodes, a chain CA whose certificates alone let nodes connect, and a
 * node home per node with consecutive ports (JSON-RPC 20200+i, P2P 30300+i, SSH 20600+i by default).
 * The CA key stays in {@code DIR/ca}, outside every node home.
 */
public final class ChainInit {
    public static final String CHAIN_FILE = "chain.properties";
    public static final int P2P_PORT = 30300;

    /** What to create. */
    public record Options(Path dir, int sealers, int observers, String profile, String suite, long chainId,
            List<String> accounts, BigInteger supply, int rpcPort, int p2pPort, int sshPort, boolean force) {

        public void validate() {
            if (sealers < 1 || sealers > 64) {
                throw new IllegalArgumentException("--nodes: must be 1..64, got " + sealers);
            }
            if (observers < 0 || observers > 64) {
                throw new IllegalArgumentException("--observers: must be 0..64, got " + observers);
            }
            int n = sealers + observers;
            for (int[] p : new int[][] {{rpcPort, 0}, {p2pPort, 1}, {sshPort, 2}}) {
                if (p[0] < 1024 || p[0] + n - 1 > 65535) {
                    throw new IllegalArgumentException(new String[] {"--rpc-port", "--p2p-port", "--ssh-port"}[p[1]]
                            + ": ports " + p[0] + ".." + (p[0] + n - 1) + " must lie in 1024..65535");
                }
            }
            if (overlap(rpcPort, p2pPort, n) || overlap(rpcPort, sshPort, n) || overlap(p2pPort, sshPort, n)) {
                throw new IllegalArgumentException("the JSON-RPC, P2P and SSH port ranges of " + n + " nodes overlap");
            }
            if (supply.signum() > 0) {
                NodeInit.checkGenesisSize(sealers, accounts.size(), supply, chainId, suite);
            }
        }

        private static boolean overlap(int a, int b, int n) {
            return Math.abs(a - b) < n;
        }
    }

    /** The chain created: its homes in node order (sealers first). */
    public record Result(Path dir, Genesis genesis, List<NodeInit.Result> nodes) {}

    private ChainInit() {}

    public static boolean isChain(Path dir) {
        return Files.isRegularFile(dir.resolve(CHAIN_FILE));
    }

    /** The node homes of a chain directory, in node order. */
    public static List<NodeHome> homes(Path dir) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(dir.resolve(CHAIN_FILE))) {
            p.load(in);
        }
        int n = Integer.parseInt(p.getProperty("nodes", "0"));
        List<NodeHome> homes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            homes.add(new NodeHome(dir.resolve("node" + i)));
        }
        return homes;
    }

    public static Result init(Options o, FeatureSource features, long now) throws IOException {
        o.validate();
        Feature feature = Feature.resolve(o.profile(), features);
        if (isChain(o.dir()) && !o.force()) {
            throw new IllegalStateException("chain directory " + o.dir() + " is already initialized (--force starts a new chain)");
        }
        int n = o.sealers() + o.observers();
        CryptoSuite suite = Suites.byName(o.suite());
        List<CryptoSuite.KeyPair> nodeKeys = new ArrayList<>();
        List<String> sealers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CryptoSuite.KeyPair kp = suite.generateKeyPair();
            nodeKeys.add(kp);
            if (i < o.sealers()) {
                sealers.add(Bytes.toHex(kp.publicKey()));
            }
        }
        Map<String, byte[]> accountKeys = new LinkedHashMap<>();
        TreeMap<Address, BigInteger> alloc = new TreeMap<>();
        for (String name : o.accounts()) {
            byte[] key = suite.generateKeyPair().privateKey();
            accountKeys.put(name, key);
            alloc.put(suite.address(suite.publicKey(key)), o.supply());
        }
        Uint256.toBytes(alloc.values().stream().reduce(BigInteger.ZERO, BigInteger::add));
        Genesis genesis = new Genesis(o.chainId(), suite.name(), feature.ledgerModel(), now, sealers, alloc);

        Path caDir = o.dir().resolve("ca");
        if (o.force()) {
            NodeInit.deleteTree(caDir);
        }
        ChainCertificates.Authority ca = ChainCertificates.createAuthority(o.chainId(), ChainCertificates.DEFAULT_VALIDITY);
        ChainCertificates.writeAuthority(ca, caDir.resolve("ca.crt"), caDir.resolve("ca.key"));

        List<NodeInit.Result> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> peers = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    peers.add("127.0.0.1:" + (o.p2pPort() + j));
                }
            }
            Map<String, Map<String, String>> config = new LinkedHashMap<>();
            Map<String, String> network = new LinkedHashMap<>();
            network.put("host", "127.0.0.1");
            network.put("port", Integer.toString(o.p2pPort() + i));
            network.put("peers", String.join(",", peers));
            network.put("chainId", Long.toString(o.chainId()));
            config.put("io.cairn.network", network);
            Path home = o.dir().resolve("node" + i);
            NodeInit.Options nodeOptions = new NodeInit.Options(home, o.profile(), o.suite(), o.chainId(), o.accounts(),
                    o.supply(), o.rpcPort() + i, o.sshPort() + i, o.force());
            NodeInit.Result r = NodeInit.init(nodeOptions, features, now,
                    new NodeInit.Plan(nodeKeys.get(i), genesis, accountKeys, i, config));
            ChainCertificates.writeNodeFiles(home, ca,
                    ChainCertificates.issueNode(ca, nodeKeys.get(i).publicKey(), ChainCertificates.DEFAULT_VALIDITY));
            DetachedNode.writeChainNodeJvmOptions(new NodeHome(home));
            results.add(r);
        }
        Map<String, String> chain = new LinkedHashMap<>();
        chain.put("nodes", Integer.toString(n));
        chain.put("sealers", Integer.toString(o.sealers()));
        chain.put("observers", Integer.toString(o.observers()));
        chain.put("profile", o.profile());
        chain.put("chainId", Long.toString(o.chainId()));
        NodeInit.writeProperties(o.dir().resolve(CHAIN_FILE), "A Cairn chain of " + n + " nodes on this machine,"
                + " written by `cairn init --nodes`. The CA key in ca/ issues node certificates: keep it safe.", chain);
        return new Result(o.dir(), genesis, results);
    }
}
