package io.cairn.api.chain;

import io.cairn.api.crypto.CryptoSuite;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The facts of a chain every engine needs, read once from its genesis block: the chain id, the crypto suite
 * and ledger model it runs, its sealers in genesis order, and the fault tolerance and quorum they give. This is
 * the one place these rules live: a transaction or block for another chain id is not this chain's, nor is a
 * crypto suite of another name; a block is final with valid seals of {@link #quorum()} distinct sealers.
 * Immutable and thread-safe.
 */
public final class ChainSpec {
    private final long chainId;
    private final String suite;
    private final String ledger;
    private final long timestamp;
    private final List<String> sealers;
    private final Map<String, Integer> sealerIndex;

    /**
     * @param chainId   the chain id every transaction and header carries (an unsigned 64-bit number)
     * @param suite     the crypto suite's name ({@link CryptoSuite#SECP256K1}, {@link CryptoSuite#SM2})
     * @param ledger    the ledger model ({@code account}, ...)
     * @param timestamp the genesis block's timestamp, ms since the epoch
     * @param sealers   the consensus nodes' public keys (64 bytes, hex), in genesis order
     */
    public ChainSpec(long chainId, String suite, String ledger, long timestamp, List<String> sealers) {
        this.chainId = chainId;
        this.suite = Objects.requireNonNull(suite, "suite");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.timestamp = timestamp;
        this.sealers = sealers.stream().map(s -> Bytes.toHex(Bytes.fromHex(s))).toList();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < this.sealers.size(); i++) {
            if (index.put(this.sealers.get(i), i) != null) {
                throw new MalformedDataException("chain spec: sealer " + this.sealers.get(i) + " is listed twice");
            }
        }
        this.sealerIndex = Map.copyOf(index);
    }

    public static ChainSpec of(Genesis genesis) {
        return new ChainSpec(genesis.chainId(), genesis.suite(), genesis.ledger(), genesis.timestamp(), genesis.sealers());
    }

    public long chainId() {
        return chainId;
    }

    /** The chain id as clients write it: unsigned decimal. */
    public String chainIdText() {
        return Long.toUnsignedString(chainId);
    }

    public String suite() {
        return suite;
    }

    public String ledger() {
        return ledger;
    }

    /** The code the chain's transactions carry for its ledger model ({@link Envelope#ledgerCode}), or -1. */
    public int ledgerCode() {
        return Envelope.ledgerCode(ledger);
    }

    public long timestamp() {
        return timestamp;
    }

    /** The consensus nodes' public keys, lower-case {@code 0x} hex, in genesis order. */
    public List<String> sealers() {
        return sealers;
    }

    /** The number of sealers. */
    public int n() {
        return sealers.size();
    }

    /** The largest f with 3f + 1 <= n: how many faulty sealers the chain survives. */
    public int f() {
        return Seals.faultTolerance(sealers.size());
    }

    /** The distinct valid votes or seals that decide: n - f, which is 2f + 1 for n = 3f + 1, and 1 of 1. */
    public int quorum() {
        return Seals.quorum(sealers.size());
    }

    /** Whether the key (0x hex, any case) is a sealer's. */
    public boolean isSealer(String publicKeyHex) {
        return publicKeyHex != null && sealerIndex.containsKey(publicKeyHex.toLowerCase(Locale.ROOT));
    }

    /** The sealer's position in genesis order, if it is one. */
    public Optional<Integer> sealerIndex(String publicKeyHex) {
        return publicKeyHex == null ? Optional.empty()
                : Optional.ofNullable(sealerIndex.get(publicKeyHex.toLowerCase(Locale.ROOT)));
    }

    /** Whether the suite is this chain's: the one its genesis names. */
    public boolean usesSuite(CryptoSuite s) {
        return s != null && s.name().equals(suite);
    }

    /** Whether the seals make {@code blockHash} final: valid seals of a quorum of distinct sealers. */
    public boolean isFinal(Hash blockHash, List<byte[]> seals, CryptoSuite s) {
        return Seals.isFinal(blockHash, seals, sealers, s);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChainSpec c && c.chainId == chainId && c.suite.equals(suite) && c.ledger.equals(ledger)
                && c.timestamp == timestamp && c.sealers.equals(sealers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(chainId, suite, ledger, timestamp, sealers);
    }

    @Override
    public String toString() {
        return "chain " + chainIdText() + " (" + suite + ", " + ledger + ", " + sealers.size() + " sealers)";
    }
}
