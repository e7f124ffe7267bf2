package io.cairn.launcher.node;

import io.cairn.api.chain.Genesis;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/** The layout of a node home (docs/architecture.md): etc/, data/, keys/, logs/, deploy/. */
public final class NodeHome {
    public static final String DEFAULT_DIR = ".cairn/node0";

    private final Path dir;

    public NodeHome(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() { return dir; }
    public Path etc() { return dir.resolve("etc"); }
    public Path data() { return dir.resolve("data"); }
    public Path keys() { return dir.resolve("keys"); }
    public Path logs() { return dir.resolve("logs"); }
    public Path deploy() { return dir.resolve("deploy"); }
    public Path accountKeys() { return keys().resolve("accounts"); }
    public Path accountKey(String name) { return accountKeys().resolve(name + ".key"); }
    public Path genesisFile() { return etc().resolve("genesis.properties"); }
    public Path nodePropertiesFile() { return etc().resolve("node.properties"); }
    public Path config(String pid) { return etc().resolve(pid + ".cfg"); }
    public Path pidFile() { return dir.resolve("cairn.pid"); }
    public Path shellSocket() { return data().resolve("shell.sock"); }
    public Path felixCache() { return data().resolve("felix-cache"); }
    public Path nodeLog() { return logs().resolve("node.log"); }

    public boolean isInitialized() {
        return Files.exists(nodePropertiesFile()) || Files.exists(genesisFile());
    }

    /** etc/node.properties; fails with a hint to run init when the home is not initialized. */
    public Properties nodeProperties() throws IOException {
        Path file = nodePropertiesFile();
        if (!Files.isRegularFile(file)) {
            throw new IOException(dir + " is not a node home (no etc/node.properties): run `cairn init --dir " + dir + "`");
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        return p;
    }

    public String profile() throws IOException {
        return required(nodeProperties(), "profile");
    }

    public String rpcEndpoint() throws IOException {
        return required(nodeProperties(), "rpc.endpoint");
    }

    public List<String> accounts() throws IOException {
        String names = nodeProperties().getProperty("accounts", "").strip();
        return names.isEmpty() ? List.of() : Arrays.stream(names.split(",")).map(String::strip).toList();
    }

    public Genesis genesis() throws IOException {
        try (Reader in = Files.newBufferedReader(genesisFile(), StandardCharsets.UTF_8)) {
            return Genesis.read(in);
        }
    }

    private String required(Properties p, String key) throws IOException {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IOException(nodePropertiesFile() + " has no " + key);
        }
        return v.strip();
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
