package io.cairn.launcher;

import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.confidential.Group;
import io.cairn.confidential.Opening;
import io.cairn.confidential.SealedOpening;
import io.cairn.crypto.Suites;
import io.cairn.launcher.client.PrivateTransfers;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;

/**
 * One private transfer made in a fresh JVM, as {@code cairn tx transfer} makes it (its JVM options given by {@code
 * bench-proofs}): the proof's preparation started and the sender's coin opened from its sealed opening (what the
 * command does while it waits for the node's answers, two requests and more than long enough for the preparation to
 * end), then the transfer (commitments, openings sealed to the owners and an auditor, the range proof, the kernel,
 * the signature) timed.
 * Prints {@code made-in-ms <ms>}.
 */
final class ColdTransfer {
    private ColdTransfer() {}

    public static void main(String[] args) throws InterruptedException {
        CryptoSuite suite = Suites.byName(args.length > 0 ? args[0] : "secp256k1", false);
        Group group = Group.of(suite.name());
        Thread preparing = PrivateTransfers.prepare(suite, group);
        SecureRandom random = new SecureRandom();
        CryptoSuite.KeyPair sender = suite.generateKeyPair();
        CryptoSuite.KeyPair receiver = suite.generateKeyPair();
        CryptoSuite.KeyPair auditor = suite.generateKeyPair();
        byte[] sealed = SealedOpening.seal(group, PrivateTransfers.point(group, sender.publicKey()),
                new Opening(1_000_000, group.randomScalar(random)), random);
        Opening opened = SealedOpening.open(group, new BigInteger(1, sender.privateKey()), sealed);
        PrivateTransfers.Coin coin = new PrivateTransfers.Coin(Hash.ZERO, 0, opened, false);
        preparing.join();
        long t0 = System.nanoTime();
        PrivateTransfers.transfer(suite, group, 1, List.of(coin), receiver.publicKey(), 300, 0, sender.privateKey(),
                sender.publicKey(), auditor.publicKey(), random);
        System.out.println("made-in-ms " + (System.nanoTime() - t0) / 1e6);
    }
}
