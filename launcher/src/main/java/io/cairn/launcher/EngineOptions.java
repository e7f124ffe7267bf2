package io.cairn.launcher;

import io.cairn.launcher.node.Composition;
import io.cairn.launcher.node.Feature;
import io.cairn.launcher.node.FeatureSource;
import io.cairn.launcher.node.RuntimeDir;
import java.io.IOException;
import picocli.CommandLine.Option;

/**
 * What a new node home runs: an engine per component ({@code --storage}, {@code --consensus}, {@code --ledger}),
 * composed with the base feature, or a named profile ({@code --profile}). Shared by {@code init} and {@code up}.
 */
final class EngineOptions {
    @Option(names = "--storage", paramLabel = "ENGINE",
            description = "storage engine: rocksdb, memory or ignite (a storage cluster) (default: rocksdb)")
    String storage;

    @Option(names = "--storage-endpoints", paramLabel = "HOST:PORT,...",
            description = "with ignite storage: the storage cluster's client endpoints (cairn storage up prints them)")
    String storageEndpoints;

    @Option(names = "--storage-namespace", paramLabel = "NAME",
            description = "with ignite storage: the node's caches on the cluster are cairn_NAME_* (default: node; with "
                    + "--nodes: NAME0, NAME1, ..., default node0, node1, ...)")
    String storageNamespace;

    @Option(names = "--storage-password-file", paramLabel = "FILE",
            description = "with ignite storage on a cluster with authentication (storage up --auth): the file holding "
                    + "its password (the cluster directory's password file)")
    java.nio.file.Path storagePasswordFile;

    @Option(names = "--storage-user", paramLabel = "USER",
            description = "with --storage-password-file: the user the node logs in as (default: ignite)")
    String storageUser;

    @Option(names = "--consensus", paramLabel = "ENGINE",
            description = "consensus engine: solo (one node) or pbft (a chain: with --nodes) (default: solo; with --nodes: pbft)")
    String consensus;

    @Option(names = "--ledger", paramLabel = "MODEL", description = "ledger model (default: account); `cairn engines` lists them")
    String ledger;

    @Option(names = "--auditor", description = "with --ledger private: make an auditor key (keys/accounts/"
            + AUDITOR + ".key of every home, so `--key " + AUDITOR + "` names it) and name it in genesis: every output's "
            + "amount is also sealed to it (cairn audit)")
    boolean auditor;

    @Option(names = "--auditor-public-key", paramLabel = "0xKEY", description = "with --ledger private: name this "
            + "64-byte public key (hex) in genesis as the chain's auditor, whose key is held elsewhere")
    String auditorPublicKey;

    @Option(names = "--profile", paramLabel = "PROFILE",
            description = "a named composition instead of the engine options: solo-rocksdb, solo-memory, pbft-rocksdb, "
                    + "solo-ignite, pbft-ignite")
    String profile;

    /**
     * The feature spec to record in the new home(s), checked against the chain's shape and, when the assembled
     * distribution is there, against its bundles.
     *
     * @param sealers the consensus nodes of the chain
     * @param chain   whether the homes are made as a chain ({@code --nodes})
     * @throws IllegalArgumentException naming the option and what cannot work
     */
    String spec(int sealers, boolean chain, FeatureSource source) {
        Feature feature;
        if (profile != null) {
            if (storage != null || consensus != null || ledger != null) {
                throw new IllegalArgumentException("--profile names a whole composition: give it, or --storage/--consensus/"
                        + "--ledger, not both");
            }
            feature = Feature.resolve(profile, source);
        } else {
            feature = Composition.of(storage, consensus, ledger, chain).resolve(source);
        }
        Composition.checkShape(feature, sealers, chain);
        checkStorageCluster(feature);
        checkAuditor(feature);
        RuntimeDir runtime = runtime();
        if (runtime != null) {
            Composition.checkBundles(feature, runtime);
        }
        return feature.name();
    }

    /** The account name of the auditor's key in a home made with {@code --auditor}. */
    static final String AUDITOR = "auditor";
    /** The auditor's key pair once made: one for all the homes of a chain. */
    private io.cairn.api.crypto.CryptoSuite.KeyPair auditorKeys;

    private void checkAuditor(Feature feature) {
        if (!auditor && auditorPublicKey == null) {
            return;
        }
        if (!"private".equals(feature.ledgerModel())) {
            throw new IllegalArgumentException("--auditor and --auditor-public-key are for the private ledger; "
                    + feature.name() + " runs the " + feature.ledgerModel() + " ledger");
        }
        if (auditor && auditorPublicKey != null) {
            throw new IllegalArgumentException("--auditor makes a new auditor key, --auditor-public-key names one: "
                    + "give one of them");
        }
        if (auditorPublicKey != null) {
            byte[] key;
            try {
                key = io.cairn.api.chain.Bytes.fromHex(auditorPublicKey);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--auditor-public-key: not hex: " + auditorPublicKey);
            }
            if (key.length != 64) {
                throw new IllegalArgumentException("--auditor-public-key: a public key is 64 bytes (x | y), got "
                        + key.length);
            }
        }
    }

    /**
     * Finishes a new home: the storage cluster's endpoints ({@link #writeStorageCluster}) and, on a private chain
     * with an auditor, its key in genesis (and with {@code --auditor} its key file).
     *
     * @param index the node's index in a chain ({@code --nodes}), or -1 for a single node
     */
    void finishHome(io.cairn.launcher.node.NodeHome home, int index) throws IOException {
        writeStorageCluster(home, index);
        if (!auditor && auditorPublicKey == null) {
            return;
        }
        io.cairn.api.crypto.CryptoSuite suite = io.cairn.crypto.Suites.byName(home.genesis().suite());
        String publicKey = auditorPublicKey;
        if (auditor) {
            if (java.nio.file.Files.exists(home.accountKey(AUDITOR))) {
                throw new IllegalArgumentException("--auditor: " + home + " has an account named " + AUDITOR
                        + "; name the accounts otherwise");
            }
            if (auditorKeys == null) {
                auditorKeys = suite.generateKeyPair();
            }
            io.cairn.launcher.node.KeyFile.writePrivate(home.accountKey(AUDITOR), auditorKeys.privateKey());
            publicKey = io.cairn.api.chain.Bytes.toHex(auditorKeys.publicKey());
        }
        java.nio.file.Files.writeString(home.genesisFile(), "# the private ledger's auditor: every output's opening is "
                + "also sealed to this key\nauditor=" + io.cairn.api.chain.Bytes.toHex(io.cairn.api.chain.Bytes
                .fromHex(publicKey)) + "\n", java.nio.file.StandardOpenOption.APPEND);
    }

    /** The storage engine that keeps its chain on a storage cluster. */
    static final String CLUSTER_ENGINE = "ignite";
    static final String CLUSTER_PID = "io.cairn.storage.ignite";
    private static final java.util.regex.Pattern ENDPOINT = java.util.regex.Pattern.compile("[^\\s,:]+:\\d{1,5}");
    private static final java.util.regex.Pattern USER = java.util.regex.Pattern.compile("\\S{1,60}");
    private static final java.util.regex.Pattern NAMESPACE = java.util.regex.Pattern.compile("[a-z0-9_]{1,40}");

    private void checkStorageCluster(Feature feature) {
        String engine = feature.provides().get("storage");
        boolean cluster = CLUSTER_ENGINE.equals(engine);
        if (!cluster) {
            if (storageEndpoints != null || storageNamespace != null || storagePasswordFile != null
                    || storageUser != null) {
                throw new IllegalArgumentException("--storage-endpoints, --storage-namespace, --storage-password-file "
                        + "and --storage-user are for ignite storage; " + feature.name() + " stores on " + engine);
            }
            return;
        }
        if (storageUser != null && storagePasswordFile == null) {
            throw new IllegalArgumentException("--storage-user: give the user's --storage-password-file too");
        }
        if (storageUser != null && !USER.matcher(storageUser).matches()) {
            throw new IllegalArgumentException("--storage-user: '" + storageUser + "' must be 1 to 60 characters without "
                    + "spaces");
        }
        if (storagePasswordFile != null) {
            try {
                io.cairn.launcher.cluster.ClusterLayout.readPassword(storagePasswordFile);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--storage-password-file: " + e.getMessage());
            }
        }
        if (storageEndpoints == null || storageEndpoints.isBlank()) {
            throw new IllegalArgumentException("--storage-endpoints: " + feature.name() + " keeps the chain on a storage "
                    + "cluster; give its endpoints (cairn storage up prints them)");
        }
        for (String e : storageEndpoints.split(",")) {
            if (!ENDPOINT.matcher(e.strip()).matches()) {
                throw new IllegalArgumentException("--storage-endpoints: '" + e.strip() + "' is not host:port");
            }
        }
        if (storageNamespace != null && !NAMESPACE.matcher(storageNamespace).matches()) {
            throw new IllegalArgumentException("--storage-namespace: '" + storageNamespace + "' must be 1 to 40 of a-z, "
                    + "0-9 and _");
        }
    }

    /**
     * Writes the storage cluster's endpoints and the node's namespace into a new home's storage configuration, when
     * it keeps its chain on a cluster.
     *
     * @param index the node's index in a chain ({@code --nodes}), or -1 for a single node
     */
    void writeStorageCluster(io.cairn.launcher.node.NodeHome home, int index) throws IOException {
        java.nio.file.Path cfg = home.config(CLUSTER_PID);
        if (storageEndpoints == null || !java.nio.file.Files.exists(cfg)) {
            return;
        }
        String ns = storageNamespace != null ? (index < 0 ? storageNamespace : storageNamespace + index)
                : index < 0 ? "node" : "node" + index;
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(cfg)) {
            if (line.startsWith("endpoints=")) {
                line = "endpoints=" + storageEndpoints.replace(" ", "");
            } else if (line.startsWith("namespace=")) {
                line = "namespace=" + ns;
            } else if (line.startsWith("passwordFile=") && storagePasswordFile != null) {
                line = "passwordFile=" + storagePasswordFile.toAbsolutePath().normalize();
            } else if (line.startsWith("user=") && storageUser != null) {
                line = "user=" + storageUser;
            }
            out.add(line);
        }
        java.nio.file.Files.write(cfg, out);
    }

    /** The assembled distribution, or null when this launcher runs without one (its bundles cannot be checked). */
    static RuntimeDir runtime() {
        try {
            return RuntimeDir.locate();
        } catch (IOException notBuilt) {
            return null;
        }
    }
}
