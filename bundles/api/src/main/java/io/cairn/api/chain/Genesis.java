package io.cairn.api.chain;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The chain's founding facts, written by {@code cairn init} to {@code etc/genesis.properties} and
 * recorded (canonically encoded) as the extra data of block 0, so that every node and client can
 * check the suite, ledger model and allocations from the genesis block alone.
 *
 * <pre>
 * chainId=1
 * suite=secp256k1            # or sm2
 * ledger=account
 * timestamp=1764000000000    # ms since the epoch, the genesis block's timestamp
 * sealers=0x&lt;public key&gt;,... # consensus nodes
 * alloc.0x&lt;address&gt;=&lt;amount&gt;
 * auditor=0x&lt;public key&gt;  # optional: the private ledger's auditor (docs/privacy.md)
 * </pre>
 *
 * @param auditor the 64-byte public key (0x hex) every confidential output's opening is also encrypted to, or null
 */
public record Genesis(long chainId, String suite, String ledger, long timestamp, List<String> sealers,
        SortedMap<Address, BigInteger> alloc, String auditor) {

    public Genesis {
        sealers = List.copyOf(sealers);
        alloc = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(alloc));
        if (auditor != null) {
            byte[] key = Bytes.fromHex(auditor.trim());
            if (key.length != 64) {
                throw new MalformedDataException("genesis: the auditor key must be 64 bytes, got " + key.length);
            }
            auditor = Bytes.toHex(key);
        }
    }

    /** A genesis without an auditor. */
    public Genesis(long chainId, String suite, String ledger, long timestamp, List<String> sealers,
            SortedMap<Address, BigInteger> alloc) {
        this(chainId, suite, ledger, timestamp, sealers, alloc, null);
    }

    /** The auditor's 64-byte public key, if the chain has one. */
    public java.util.Optional<byte[]> auditorKey() {
        return auditor == null ? java.util.Optional.empty() : java.util.Optional.of(Bytes.fromHex(auditor));
    }

    public static Genesis read(Reader in) throws IOException {
        Properties p = new Properties();
        p.load(in);
        return fromProperties(p);
    }

    public static Genesis fromProperties(Properties p) {
        long chainId = parseLong(require(p, "chainId"), "chainId");
        String suite = require(p, "suite").trim();
        String ledger = p.getProperty("ledger", "account").trim();
        long ts = parseLong(require(p, "timestamp"), "timestamp");
        List<String> sealers = new ArrayList<>();
        for (String s : p.getProperty("sealers", "").split(",")) {
            if (!s.isBlank()) {
                byte[] key = Bytes.fromHex(s.trim());
                if (key.length != 64) {
                    throw new MalformedDataException("genesis: sealer key must be 64 bytes: " + s.trim());
                }
                sealers.add(Bytes.toHex(key));
            }
        }
        SortedMap<Address, BigInteger> alloc = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
            if (name.startsWith("alloc.")) {
                Address a = Address.fromHex(name.substring("alloc.".length()));
                BigInteger v;
                try {
                    v = new BigInteger(p.getProperty(name).trim());
                } catch (NumberFormatException e) {
                    throw new MalformedDataException("genesis: " + name + " is not a decimal amount");
                }
                Uint256.toBytes(v);
                alloc.put(a, v);
            }
        }
        String auditor = p.getProperty("auditor");
        return new Genesis(chainId, suite, ledger, ts, sealers, alloc,
                auditor == null || auditor.isBlank() ? null : auditor.trim());
    }

    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("chainId", Long.toString(chainId));
        p.setProperty("suite", suite);
        p.setProperty("ledger", ledger);
        p.setProperty("timestamp", Long.toString(timestamp));
        p.setProperty("sealers", String.join(",", sealers));
        for (Map.Entry<Address, BigInteger> e : alloc.entrySet()) {
            p.setProperty("alloc." + e.getKey().toHex(), e.getValue().toString());
        }
        if (auditor != null) {
            p.setProperty("auditor", auditor);
        }
        return p;
    }

    public BigInteger totalSupply() {
        return alloc.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
    }

    /** The canonical bytes stored in the genesis block's extra data. */
    public byte[] encode() {
        Encoder e = new Encoder().u64(chainId).bytes(suite.getBytes(StandardCharsets.UTF_8))
                .bytes(ledger.getBytes(StandardCharsets.UTF_8)).u64(timestamp).u32(sealers.size());
        for (String s : sealers) {
            e.bytes(Bytes.fromHex(s));
        }
        e.u32(alloc.size());
        for (Map.Entry<Address, BigInteger> a : alloc.entrySet()) {
            e.fixed(a.getKey().toByteArray()).fixed(Uint256.toBytes(a.getValue()));
        }
        if (auditor != null) {
            e.bytes(Bytes.fromHex(auditor)); // only when set: a chain without one encodes as before
        }
        return e.toByteArray();
    }

    public static Genesis decode(byte[] b) {
        Decoder d = new Decoder(b, "genesis");
        long chainId = d.u64("chainId");
        String suite = new String(d.bytes(64, "suite"), StandardCharsets.UTF_8);
        String ledger = new String(d.bytes(64, "ledger"), StandardCharsets.UTF_8);
        long ts = d.u64("timestamp");
        int n = d.u32("sealer count");
        List<String> sealers = new ArrayList<>();
        for (int i = 0; i < n && i < 1024; i++) {
            sealers.add(Bytes.toHex(d.bytes(64, "sealer")));
        }
        int m = d.u32("alloc count");
        SortedMap<Address, BigInteger> alloc = new TreeMap<>();
        for (int i = 0; i < m; i++) {
            alloc.put(Address.of(d.fixed(20, "alloc address")), Uint256.fromBytes(d.fixed(32, "alloc amount")));
        }
        String auditor = d.remaining() > 0 ? Bytes.toHex(d.bytes(64, "auditor")) : null;
        d.end();
        return new Genesis(chainId, suite, ledger, ts, sealers, alloc, auditor);
    }

    private static String require(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new MalformedDataException("genesis: missing " + key);
        }
        return v;
    }

    private static long parseLong(String v, String key) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new MalformedDataException("genesis: " + key + " is not a number: " + v);
        }
    }
}
