package io.cairn.itests;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.Uint256;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.launcher.node.Feature;
import io.cairn.launcher.node.FeatureSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What both chain tests share: where the build put things, free ports, waiting on a condition, the
 * feature files of the assembled runtime, a node home for an in-framework node, signed transfers and a
 * small JSON-RPC client.
 *
 * <p>This class is also loaded inside the OSGi framework (the Pax Exam probe carries every test class),
 * where only {@code io.cairn.api} and the JDK are visible: it must not touch engine internals.
 * Key generation needs a {@link CryptoSuite}, which the caller passes in (outside the framework it is
 * {@code Suites.byName}, inside it is the service).
 */
public final class ChainTestSupport {
    private ChainTestSupport() {}

    // ---------------------------------------------------------------- build layout

    /** The repository root, handed over by failsafe (itests/pom.xml). */
    public static Path repositoryRoot() {
        String root = System.getProperty("cairn.repo");
        if (root == null) {
            throw new IllegalStateException("system property cairn.repo is not set: run the tests through failsafe (mvn verify)");
        }
        return Paths.get(root).toAbsolutePath().normalize();
    }

    /** The assembled distribution, built by the runtime module. */
    public static Path runtimeDirectory() {
        Path dir = repositoryRoot().resolve("runtime/target/cairn");
        if (!Files.isDirectory(dir.resolve("system")) || !Files.isDirectory(dir.resolve("features"))) {
            throw new IllegalStateException("no assembled runtime at " + dir + " (system/ and features/): build the runtime module first");
        }
        return dir;
    }

    /** A fresh directory under target/itests for one test's files; kept after the run for post-mortems. */
    public static Path newWorkDirectory(String prefix) throws IOException {
        Path base = Paths.get(System.getProperty("cairn.itests.work",
                repositoryRoot().resolve("itests/target/itests").toString()));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, prefix + "-");
    }

    public static int freeLoopbackPort() {
        return freeLoopbackPorts(1);
    }

    /** Ports this JVM already handed out: free when picked, but the node given them may not have bound them yet. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The lowest port Linux hands out to outgoing connections, or the IANA dynamic range's start (49152) where that
     * cannot be read or makes no sense. Read line-wise: /proc files report size 0, which whole-file reads mishandle.
     */
    static int ephemeralLow() {
        try (java.io.BufferedReader in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String line = in.readLine();
            int low = Integer.parseInt(line.strip().split("\\s+")[0]);
            return low >= 24000 && low <= 65535 ? low : 49152;
        } catch (IOException | RuntimeException e) {
            return 49152;
        }
    }

    /**
     * The first of {@code n} consecutive loopback ports free now, below the ephemeral range: a port found free in
     * that range could be taken by any outgoing connection (the nodes dialing each other, the tests polling them)
     * before the node under test binds it, which once stopped a node's JSON-RPC engine on a clean-clone CI run.
     * From 21000 up, clear of the well-known ports and of this project's defaults (20200 RPC, 20600 SSH); never a
     * port this JVM handed out before, so ranges picked one after another for one chain cannot overlap.
     */
    public static synchronized int freeLoopbackPorts(int n) {
        int low = 21000;
        int high = ephemeralLow() - n;
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 500; attempt++) {
            int base = low + random.nextInt(high - low);
            boolean free = true;
            for (int p = base; p < base + n && free; p++) {
                if (HANDED_OUT.contains(p)) {
                    free = false;
                    break;
                }
                try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                    s.setReuseAddress(true);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                for (int p = base; p < base + n; p++) {
                    HANDED_OUT.add(p);
                }
                return base;
            }
        }
        throw new UncheckedIOException(new IOException("no " + n + " consecutive free loopback ports in " + low + ".."
                + high));
    }

    // ---------------------------------------------------------------- waiting

    /**
     * Polls {@code condition} until it returns a non-null value or the deadline passes; a condition that
     * throws counts as "not yet" and its last failure is reported on timeout.
     */
    public static <T> T await(String what, Duration timeout, Supplier<T> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        long pauseMs = 5;
        while (true) {
            try {
                T value = condition.get();
                if (value != null) {
                    return value;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionError failure = new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                        + (last == null ? "" : " (last attempt: " + last + ")"));
                if (last != null) {
                    // suppressed, not the cause: Pax Exam reports the root cause and would drop "timed out"
                    failure.addSuppressed(last);
                }
                throw failure;
            }
            pause(pauseMs);
            pauseMs = Math.min(100, pauseMs * 2);
        }
    }

    /** The poll interval of {@link #await}; the condition, not this pause, is what synchronises. */
    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }

    // ---------------------------------------------------------------- features

    /**
     * A feature of the runtime flattened as docs/architecture.md defines it: bundles in start order,
     * included features in place, each bundle once; configuration by PID, later lines winning.
     */
    public record FeatureSet(List<String> bundles, Map<String, Map<String, String>> config) {
        /** The feature (or composition, "base,storage-x,...") {@code spec} read from {@code featuresDir} by the launcher's reader. */
        public static FeatureSet read(Path featuresDir, String spec) {
            Feature feature = Feature.resolve(spec, FeatureSource.directory(featuresDir));
            return new FeatureSet(feature.bundles(), feature.config());
        }
    }

    // ---------------------------------------------------------------- accounts and transfers

    /** A key pair the test holds, with its address under the chain's suite. */
    public record Account(String name, byte[] privateKey, byte[] publicKey, Address address) {
        public static Account of(String name, byte[] privateKey, CryptoSuite suite) {
            byte[] pub = suite.publicKey(privateKey);
            return new Account(name, privateKey, pub, suite.address(pub));
        }

        public static Account generate(String name, CryptoSuite suite) {
            return of(name, suite.generateKeyPair().privateKey(), suite);
        }
    }

    /** A signed transfer ready to send: its hash (as the node reports it) and its encoding in hex. */
    public record SignedTransfer(String hash, String hex, Account from, long nonce, Address to, BigInteger value) {}

    /** payload -> suite hash -> signature -> canonical encoding, as a client does it (formats.md). */
    public static SignedTransfer transfer(CryptoSuite suite, long chainId, Account from, long nonce, Address to,
            BigInteger value) {
        byte[] payload = Transaction.signingPayload(chainId, nonce, from.publicKey(), to, value, new byte[0]);
        byte[] hash = suite.hash(payload);
        byte[] signature = suite.sign(hash, from.privateKey());
        Transaction tx = new Transaction(chainId, nonce, to, value, new byte[0], from.publicKey(), signature);
        return new SignedTransfer(Bytes.toHex(hash), Bytes.toHex(tx.encode()), from, nonce, to, value);
    }

    /**
     * The same transfer as a version 2 envelope of the account ledger: body {@code u64 nonce | to | value | bytes
     * data}, signed by the sender alone (formats.md, ledgers.md).
     */
    public static SignedTransfer envelopeTransfer(CryptoSuite suite, long chainId, Account from, long nonce, Address to,
            BigInteger value) {
        byte[] body = new Encoder(64).u64(nonce).fixed(to.toByteArray()).fixed(Uint256.toBytes(value))
                .bytes(new byte[0]).toByteArray();
        Envelope e = Envelope.sign(suite, chainId, Envelope.ACCOUNT, body, List.of(from.privateKey()));
        return new SignedTransfer(Bytes.toHex(suite.hash(e.payload())), Bytes.toHex(e.encoded()), from, nonce, to, value);
    }

    // ---------------------------------------------------------------- node home for an in-framework node

    /** A node home written by {@link #writeNodeHome}: the funded accounts' keys stay with the test. */
    public record NodeHome(Path dir, int rpcPort, Genesis genesis, List<Account> accounts) {}

    /**
     * Writes what {@code cairn init} would: keys/node.key, etc/genesis.properties allocating
     * {@code allocation} to each account, and one etc/&lt;pid&gt;.cfg per entry of {@code config}
     * (the feature's defaults merged with the test's settings).
     *
     * @param nodeKey the node's private key; the caller writes keys/node.key itself, since the key file
     *     format belongs to the crypto engine
     */
    public static NodeHome writeNodeHome(Path dir, CryptoSuite suite, byte[] nodeKey, long chainId, List<Account> accounts,
            BigInteger allocation, int rpcPort, Map<String, Map<String, String>> config) throws IOException {
        for (String sub : List.of("etc", "data", "keys", "logs", "deploy")) {
            Files.createDirectories(dir.resolve(sub));
        }
        SortedMap<Address, BigInteger> alloc = new TreeMap<>();
        for (Account a : accounts) {
            alloc.put(a.address(), allocation);
        }
        Genesis genesis = new Genesis(chainId, suite.name(), "account", System.currentTimeMillis(),
                List.of(Bytes.toHex(suite.publicKey(nodeKey))), alloc);
        try (Writer w = Files.newBufferedWriter(dir.resolve("etc/genesis.properties"), StandardCharsets.UTF_8)) {
            genesis.toProperties().store(w, "test chain");
        }
        for (Map.Entry<String, Map<String, String>> pid : config.entrySet()) {
            StringBuilder cfg = new StringBuilder();
            pid.getValue().forEach((k, v) -> cfg.append(k).append(" = ").append(v).append('\n'));
            Files.writeString(dir.resolve("etc/" + pid.getKey() + ".cfg"), cfg, StandardCharsets.UTF_8);
        }
        return new NodeHome(dir, rpcPort, genesis, List.copyOf(accounts));
    }

    // ---------------------------------------------------------------- JSON-RPC

    /** A JSON-RPC 2.0 error answer, with its code (rpc.md). */
    public static final class RpcError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public final long code;

        RpcError(String method, long code, String message) {
            super(method + " failed: " + code + " " + message);
            this.code = code;
        }
    }

    /** A JSON-RPC client over java.net.http; thread-safe. */
    public static final class RpcClient {
        public static final long DUPLICATE = -32013;
        public static final long NONCE_REPLAYED = -32014;

        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        private final URI endpoint;
        private final AtomicLong ids = new AtomicLong();

        public RpcClient(int port) {
            this.endpoint = URI.create("http://127.0.0.1:" + port + "/");
        }

        /** The {@code result} of the call (null for JSON null); throws RpcError for an error answer. */
        public Object call(String method, Object... params) {
            StringBuilder body = new StringBuilder("{\"jsonrpc\":\"2.0\",\"id\":").append(ids.incrementAndGet())
                    .append(",\"method\":\"").append(method).append("\",\"params\":[");
            for (int i = 0; i < params.length; i++) {
                if (i > 0) {
                    body.append(',');
                }
                Object p = params[i];
                body.append(p instanceof String s ? "\"" + s + "\"" : String.valueOf(p));
            }
            body.append("]}");
            HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(method + ": no answer from " + endpoint, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(method + " interrupted", e);
            }
            Object parsed = Json.parse(response.body());
            if (!(parsed instanceof Map<?, ?> answer)) {
                throw new IllegalStateException(method + ": answer is not a JSON object: " + response.body());
            }
            if (answer.get("error") instanceof Map<?, ?> error) {
                throw new RpcError(method, asLong(error.get("code")), String.valueOf(error.get("message")));
            }
            if (!answer.containsKey("result")) {
                throw new IllegalStateException(method + ": answer has neither result nor error: " + response.body());
            }
            return answer.get("result");
        }

        public long blockNumber() {
            return asLong(call("getBlockNumber"));
        }

        public BigInteger balance(Address a) {
            return new BigInteger(String.valueOf(call("getBalance", a.toHex())));
        }

        public long nonce(Address a) {
            return asLong(call("getNonce", a.toHex()));
        }

        /** Sends the transfer; returns the hash the node answered. */
        public String send(SignedTransfer tx) {
            return String.valueOf(call("sendTransaction", tx.hex()));
        }

        /** The receipt, or null while the transaction is not in a block. */
        @SuppressWarnings("unchecked")
        public Map<String, Object> receipt(String txHash) {
            return (Map<String, Object>) call("getTransactionReceipt", txHash);
        }
    }

    /** A JSON number as a long; also accepts decimal or 0x-hex strings, which some answers use. */
    public static long asLong(Object v) {
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof String s) {
            return s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        }
        throw new IllegalStateException("expected a number, got " + v);
    }

    /** Just enough JSON for RPC answers: objects, arrays, strings, numbers, booleans, null. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json p = new Json(text);
            Object v = p.value();
            p.space();
            if (p.i != text.length()) {
                throw p.error("trailing characters");
            }
            return v;
        }

        private Object value() {
            space();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    space();
                    if (peek('}')) {
                        return m;
                    }
                    do {
                        space();
                        String key = string();
                        space();
                        expect(':');
                        m.put(key, value());
                        space();
                    } while (peek(','));
                    expect('}');
                    return m;
                }
                case '[': {
                    i++;
                    List<Object> l = new ArrayList<>();
                    space();
                    if (peek(']')) {
                        return l;
                    }
                    do {
                        l.add(value());
                        space();
                    } while (peek(','));
                    expect(']');
                    return l;
                }
                case '"':
                    return string();
                default:
                    if (s.startsWith("true", i)) {
                        i += 4;
                        return Boolean.TRUE;
                    }
                    if (s.startsWith("false", i)) {
                        i += 5;
                        return Boolean.FALSE;
                    }
                    if (s.startsWith("null", i)) {
                        i += 4;
                        return null;
                    }
                    return number();
            }
        }

        private Object number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String n = s.substring(start, i);
            if (n.isEmpty()) {
                throw error("unexpected character");
            }
            if (n.contains(".") || n.contains("e") || n.contains("E")) {
                return Double.parseDouble(n);
            }
            BigInteger b = new BigInteger(n);
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> b.append(e);
                }
            }
        }

        private void space() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
        }

        private IllegalStateException error(String what) {
            return new IllegalStateException("bad JSON at " + i + ": " + what + " in " + (s.length() > 200 ? s.substring(0, 200) + "..." : s));
        }
    }
}
