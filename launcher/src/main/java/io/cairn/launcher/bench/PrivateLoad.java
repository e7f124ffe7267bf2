package io.cairn.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.confidential.Bulletproofs;
import io.cairn.confidential.Group;
import io.cairn.confidential.MultiExp;
import io.cairn.confidential.Opening;
import io.cairn.confidential.Pedersen;
import io.cairn.confidential.SealedOpening;
import io.cairn.launcher.client.NativeMultiExp;
import io.cairn.launcher.client.PrivateTransfers;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The bench's load on a private chain: each account spends its own coin chain, every transfer paying 1 to the next
 * account and its change back (two outputs, one range proof, a kernel, openings sealed to both owners and the
 * auditor). Making a range proof takes about 60 ms here, so the load makes one per step and not one per transfer:
 * the n-th transfers of all accounts carry the same two commitments and proof (their values are the same, 1 and
 * the account's value less n + 1, with the same blindings); each transfer's inputs, sealed openings, kernel and
 * signature are its own. The node checks every proof as if it were new: it remembers checked transactions by hash,
 * and these differ. Funding: transactions from the funder's genesis coin each pay 15 accounts (one commitment for
 * all: the same value and blinding) and the rest back, their proofs made on every core.
 */
final class PrivateLoad extends BenchLedger {
    private static final int FUND_OUTPUTS = 15;

    private final Group group;
    /** The wallet's arithmetic: the load client shares the cores with the nodes, so its proofs are made cheaply. */
    private final MultiExp exp;
    private final SecureRandom random = new SecureRandom();
    private final ECPoint[] points;
    private ECPoint auditor;
    private long each;
    /** Each account's coin that its next transfer spends. */
    private final PrivateTransfers.Coin[] coin;
    private final List<Step> steps = new ArrayList<>();

    /** The n-th transfer of every account: its outputs' blindings, commitments and proof. */
    private record Step(BigInteger payBlinding, BigInteger changeBlinding, ECPoint pay, ECPoint change, byte[] proof,
            long changeValue) {}

    PrivateLoad(CryptoSuite suite, long chainId, byte[][] keys, byte[][] pubs) {
        super(suite, chainId, keys, pubs);
        group = Group.of(suite.name());
        exp = NativeMultiExp.forGroup(group);
        points = new ECPoint[pubs.length];
        for (int a = 0; a < pubs.length; a++) {
            points[a] = PrivateTransfers.point(group, pubs[a]);
        }
        coin = new PrivateTransfers.Coin[pubs.length];
    }

    @Override
    long perSecondCeiling(boolean chain) {
        return chain ? 400 : 1_500;
    }

    @Override
    void fund(NodeRpc rpc, byte[] funderKey, BigInteger amount, PrintStream log) throws IOException, InterruptedException {
        each = amount.longValueExact();
        Genesis genesis = PrivateTransfers.genesis(rpc.call("getBlockByNumber", 0, false));
        byte[] auditorKey = genesis.auditorKey().orElse(null);
        auditor = auditorKey == null ? null : PrivateTransfers.point(group, auditorKey);
        byte[] funderPub = suite.publicKey(funderKey);
        Address funder = suite.address(funderPub);
        List<PrivateTransfers.Coin> held = PrivateTransfers.open(rpc.call("getPrivateCoins", funder.toHex()), group,
                genesis, funder, new BigInteger(1, funderKey));
        List<PrivateTransfers.Coin> inputs = PrivateTransfers.select(held,
                BigInteger.valueOf(each).multiply(BigInteger.valueOf(pubs.length)));
        long rest = PrivateTransfers.total(inputs).longValueExact();
        BigInteger restBlinding = inputs.stream().map(c -> c.opening().blinding()).reduce(BigInteger.ZERO,
                BigInteger::add);
        BigInteger fundBlinding = group.randomScalar(random);
        Opening funded = new Opening(each, fundBlinding);
        ECPoint fundedCommitment = funded.commitment(group);
        // the values and blindings of every funding transaction are known up front: their proofs are made in parallel
        int txs = (pubs.length + FUND_OUTPUTS - 1) / FUND_OUTPUTS;
        long[] rests = new long[txs];
        BigInteger[] restBlindings = new BigInteger[txs];
        for (int j = 0; j < txs; j++) {
            int paid = Math.min(FUND_OUTPUTS, pubs.length - j * FUND_OUTPUTS);
            rest -= paid * each;
            rests[j] = rest;
            restBlindings[j] = group.randomScalar(random);
        }
        long proving = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        List<Future<byte[]>> proofs = new ArrayList<>();
        for (int j = 0; j < txs; j++) {
            int paid = Math.min(FUND_OUTPUTS, pubs.length - j * FUND_OUTPUTS);
            BigInteger[] values = new BigInteger[paid + 1];
            BigInteger[] blindings = new BigInteger[paid + 1];
            for (int k = 0; k < paid; k++) {
                values[k] = BigInteger.valueOf(each);
                blindings[k] = fundBlinding;
            }
            values[paid] = BigInteger.valueOf(rests[j]);
            blindings[paid] = restBlindings[j];
            proofs.add(pool.submit(() -> Bulletproofs.prove(group, values, blindings, new SecureRandom(), exp)
                    .encode(group)));
        }
        List<Envelope> signed = new ArrayList<>();
        try {
            for (int j = 0; j < txs; j++) {
                int from = j * FUND_OUTPUTS;
                int paid = Math.min(FUND_OUTPUTS, pubs.length - from);
                List<PrivateTransfers.Output> outputs = new ArrayList<>();
                for (int k = 0; k < paid; k++) {
                    outputs.add(output(from + k, fundedCommitment, funded));
                }
                Opening restOpening = new Opening(rests[j], restBlindings[j]);
                outputs.add(new PrivateTransfers.Output(funder, restOpening.commitment(group),
                        SealedOpening.seal(group, PrivateTransfers.point(group, funderPub), restOpening, random),
                        auditor == null ? null : SealedOpening.seal(group, auditor, restOpening, random)));
                BigInteger excess = restBlinding.subtract(fundBlinding.multiply(BigInteger.valueOf(paid)))
                        .subtract(restBlindings[j]);
                Envelope tx = PrivateTransfers.sign(suite, group, chainId, inputs, outputs, 0, proofs.get(j).get(),
                        excess, funderKey, funderPub, random);
                Hash h = Hash.of(suite.hash(tx.payload()));
                for (int k = 0; k < paid; k++) {
                    coin[from + k] = new PrivateTransfers.Coin(h, k, funded, false);
                }
                inputs = List.of(new PrivateTransfers.Coin(h, paid, restOpening, false));
                restBlinding = restBlindings[j];
                signed.add(tx);
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("a funding proof failed", e.getCause());
        } finally {
            pool.shutdown();
        }
        log.printf("bench: %d funding transactions proven in %.1f s%n", txs, (System.nanoTime() - proving) / 1e9);
        sendAndAwait(rpc, signed);
        log.printf("bench: funded %d accounts with a private coin of %d each from %s%n", pubs.length, each, funder);
    }

    private PrivateTransfers.Output output(int a, ECPoint commitment, Opening opening) {
        return new PrivateTransfers.Output(suite.address(pubs[a]), commitment,
                SealedOpening.seal(group, points[a], opening, random),
                auditor == null ? null : SealedOpening.seal(group, auditor, opening, random));
    }

    /** Step {@code n}'s outputs, made by the first account that needs them. */
    private Step step(int n) {
        synchronized (steps) {
            while (steps.size() <= n) {
                int s = steps.size();
                long change = each - s - 1;
                BigInteger r0 = group.randomScalar(random);
                BigInteger r1 = group.randomScalar(random);
                byte[] proof = Bulletproofs.prove(group, new BigInteger[] {BigInteger.ONE, BigInteger.valueOf(change)},
                        new BigInteger[] {r0, r1}, random, exp).encode(group);
                steps.add(new Step(r0, r1, Pedersen.commit(group, 1, r0), Pedersen.commit(group, change, r1), proof,
                        change));
            }
            return steps.get(n);
        }
    }

    @Override
    Envelope sign(int a, int n) {
        Step step = step(n);
        PrivateTransfers.Coin in = coin[a];
        int next = (a + 1) % pubs.length;
        Opening pay = new Opening(1, step.payBlinding());
        Opening change = new Opening(step.changeValue(), step.changeBlinding());
        List<PrivateTransfers.Output> outputs = List.of(output(next, step.pay(), pay), output(a, step.change(), change));
        BigInteger excess = in.opening().blinding().subtract(step.payBlinding()).subtract(step.changeBlinding());
        Envelope tx = PrivateTransfers.sign(suite, group, chainId, List.of(in), outputs, 0, step.proof(), excess, keys[a],
                pubs[a], random);
        coin[a] = new PrivateTransfers.Coin(Hash.of(suite.hash(tx.payload())), 1, change, false);
        return tx;
    }
}
