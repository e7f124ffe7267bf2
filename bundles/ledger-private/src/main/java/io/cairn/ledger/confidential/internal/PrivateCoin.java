package io.cairn.ledger.confidential.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.CoinLedger;
import io.cairn.api.node.StateView;
import java.util.Arrays;
import java.util.Objects;

/**
 * An unspent private coin: its owner, its commitment and its opening sealed to its owner. State value {@code
 * owner[20] | commitment[33] | sealedToOwner[S]} under {@link CoinId#stateKey()}; its owner index value ({@link
 * io.cairn.api.ledger.CoinIndex}) is the same less the owner. No amount: a genesis coin's commitment is {@code v·G}
 * (blinding 0) and its sealed opening is {@code S} zero bytes (the genesis allocations are public). Immutable.
 */
record PrivateCoin(Address owner, byte[] commitment, byte[] sealed) {
    PrivateCoin {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(commitment, "commitment");
        Objects.requireNonNull(sealed, "sealed");
    }

    static int bytes(int sealedSize) {
        return Address.SIZE + PrivateBody.COMMITMENT_BYTES + sealedSize;
    }

    byte[] encode() {
        byte[] out = new byte[Address.SIZE + commitment.length + sealed.length];
        System.arraycopy(owner.toByteArray(), 0, out, 0, Address.SIZE);
        System.arraycopy(commitment, 0, out, Address.SIZE, commitment.length);
        System.arraycopy(sealed, 0, out, Address.SIZE + commitment.length, sealed.length);
        return out;
    }

    /** The owner index value of the coin whose state value is {@code coin}: all but its owner. */
    static byte[] indexValue(byte[] coin) {
        return Arrays.copyOfRange(coin, Address.SIZE, coin.length);
    }

    static PrivateCoin decode(byte[] value, CoinId id, int sealedSize) {
        if (value.length != bytes(sealedSize)) {
            throw new MalformedDataException("state coin " + id + ": " + value.length + " bytes, expected "
                    + bytes(sealedSize) + " (owner[20] | commitment[33] | sealedToOwner[" + sealedSize + "])");
        }
        int c = Address.SIZE + PrivateBody.COMMITMENT_BYTES;
        return new PrivateCoin(Address.of(Arrays.copyOf(value, Address.SIZE)),
                Arrays.copyOfRange(value, Address.SIZE, c), Arrays.copyOfRange(value, c, value.length));
    }

    /** The coin encoding of a chain whose sealed openings are {@code sealedSize} bytes. */
    static CoinLedger.Codec<PrivateCoin> codec(int sealedSize) {
        return new CoinLedger.Codec<>() {
            @Override
            public PrivateCoin decode(byte[] value, CoinId id) {
                return PrivateCoin.decode(value, id, sealedSize);
            }

            @Override
            public byte[] encode(PrivateCoin coin) {
                return coin.encode();
            }

            @Override
            public Address owner(PrivateCoin coin) {
                return coin.owner();
            }

            @Override
            public byte[] indexValue(byte[] encoded) {
                return PrivateCoin.indexValue(encoded);
            }
        };
    }

    static PrivateCoin load(StateView state, CoinId id, int sealedSize) {
        byte[] v = state.get(id.stateKey());
        return v == null ? null : decode(v, id, sealedSize);
    }
}
