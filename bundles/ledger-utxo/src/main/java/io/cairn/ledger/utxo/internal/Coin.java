package io.cairn.ledger.utxo.internal;

import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.CoinLedger;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Uint256;
import io.cairn.api.node.StateView;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/**
 * An unspent coin: its owner and amount (positive, unsigned 256-bit). State value {@code owner[20] | amount[32]}
 * under {@link CoinId#stateKey()}. Immutable.
 */
record Coin(Address owner, BigInteger amount) {
    static final int BYTES = Address.SIZE + 32;

    Coin {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(amount, "amount");
    }

    byte[] encode() {
        byte[] out = new byte[BYTES];
        System.arraycopy(owner.toByteArray(), 0, out, 0, Address.SIZE);
        System.arraycopy(Uint256.toBytes(amount), 0, out, Address.SIZE, 32);
        return out;
    }

    static Coin decode(byte[] value, CoinId id) {
        if (value.length == BYTES) { // the usual case: no context string to build (it formats the coin id in hex)
            return new Coin(Address.of(Arrays.copyOf(value, Address.SIZE)),
                    Uint256.fromBytes(Arrays.copyOfRange(value, Address.SIZE, BYTES)));
        }
        Decoder d = new Decoder(value, "state coin " + id);
        Coin c = new Coin(Address.of(d.fixed(Address.SIZE, "owner")), Uint256.fromBytes(d.fixed(32, "amount")));
        d.end();
        return c;
    }

    /** The UTXO model's coin encoding, for the coin rules every coin model shares. */
    static final CoinLedger.Codec<Coin> CODEC = new CoinLedger.Codec<>() {
        @Override
        public Coin decode(byte[] value, CoinId id) {
            return Coin.decode(value, id);
        }

        @Override
        public byte[] encode(Coin coin) {
            return coin.encode();
        }

        @Override
        public Address owner(Coin coin) {
            return coin.owner();
        }

        @Override
        public byte[] indexValue(byte[] encoded) {
            return OwnerIndex.valueOfCoin(encoded);
        }
    };

    /** The unspent coin {@code id} in {@code state}, or null. */
    static Coin load(StateView state, CoinId id) {
        byte[] v = state.get(id.stateKey());
        return v == null ? null : decode(v, id);
    }
}
