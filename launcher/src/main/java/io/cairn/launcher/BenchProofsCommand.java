package io.cairn.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.confidential.Bulletproofs;
import io.cairn.confidential.Group;
import io.cairn.confidential.MultiExp;
import io.cairn.confidential.Pedersen;
import io.cairn.confidential.RangeProof;
import io.cairn.launcher.client.NativeMultiExp;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bouncycastle.math.ec.ECPoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench-proofs", mixinStandardHelpOptions = true,
        description = {"Measure the confidential amounts' cryptography on this machine (docs/privacy.md): making an "
                + "aggregated range proof for 1, 2 and 4 outputs (as the wallet makes it), checking one alone, and "
                + "checking two-output proofs in batches of 16 and 64; then a two-output transfer made in a fresh JVM "
                + "as `cairn tx transfer` makes it. Writes bench-proofs.json and bench-proofs.md with the verdict "
                + "against the target (that transfer made in under 100 ms)."})
final class BenchProofsCommand implements Callable<Integer> {
    /** The wallet's target: a two-output transfer made, in a fresh JVM, in under this. */
    static final double PROVE_TWO_TARGET_MS = 100;
    /** The JVM options the {@code cairn} script gives one-shot commands such as {@code tx} (keep the two alike). */
    static final List<String> ONE_SHOT_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    @Spec
    CommandSpec spec;

    @Option(names = "--suite", paramLabel = "SUITE", defaultValue = "secp256k1",
            description = "the curve: secp256k1 or sm2 (default: ${DEFAULT-VALUE})")
    String suite;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "20",
            description = "proofs made and checked per measure, after as many unmeasured (default: ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--cold-runs", paramLabel = "N", defaultValue = "5",
            description = "fresh JVMs each making one two-output transfer (default: ${DEFAULT-VALUE})")
    int coldRuns;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench",
            description = "report directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        Group group;
        try {
            group = Group.of(suite);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("--suite: '" + suite + "' is not secp256k1 or sm2");
        }
        if (iterations < 1) {
            throw new CommandFailure("--iterations must be at least 1");
        }
        if (coldRuns < 1) {
            throw new CommandFailure("--cold-runs must be at least 1");
        }
        PrintWriter say = spec.commandLine().getOut();
        MultiExp exp = NativeMultiExp.forGroup(group);
        SecureRandom random = new SecureRandom();
        ObjectMapper json = new ObjectMapper();
        ObjectNode report = json.createObjectNode();
        report.put("suite", group.name());
        report.put("cores", Runtime.getRuntime().availableProcessors());
        ArrayNode single = report.putArray("proofs");
        StringBuilder md = new StringBuilder("# Confidential proofs on " + group.name() + "\n\n"
                + "Proofs made with the wallet's arithmetic (" + (exp == MultiExp.bouncyCastle() ? "Bouncy Castle"
                : "libsecp256k1") + "), once the JIT has compiled it; checked with the node's (Bouncy Castle).\n\n"
                + "| outputs | proof bytes | prove ms | verify alone ms |\n|---|---|---|---|\n");
        for (int m : new int[] {1, 2, 4}) {
            Sample s = new Sample(group, m, random);
            for (int i = 0; i < iterations; i++) { // unmeasured: the JIT compiles the curve arithmetic
                s.prove();
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                s.prove();
            }
            double prove = (System.nanoTime() - t0) / 1e6 / iterations;
            long t1 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                if (!Bulletproofs.verify(group, s.commitments, s.proof)) {
                    throw new CommandFailure("an honest proof did not verify: this build is broken");
                }
            }
            double verify = (System.nanoTime() - t1) / 1e6 / iterations;
            int bytes = s.proof.encode(group).length;
            ObjectNode p = single.addObject();
            p.put("outputs", m);
            p.put("bytes", bytes);
            p.put("proveMs", round(prove));
            p.put("verifyMs", round(verify));
            md.append(String.format(Locale.ROOT, "| %d | %d | %.1f | %.2f |%n", m, bytes, prove, verify));
            say.printf(Locale.ROOT, "bench-proofs: %d output(s): %d bytes, prove %.1f ms, verify %.2f ms%n", m, bytes,
                    prove, verify);
            say.flush();
        }
        ArrayNode batches = report.putArray("batches");
        md.append("\n| batch of two-output proofs | ms per proof |\n|---|---|\n");
        for (int size : new int[] {16, 64}) {
            List<ECPoint[]> commitments = new ArrayList<>();
            List<RangeProof> proofs = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                Sample s = new Sample(group, 2, random);
                s.prove();
                commitments.add(s.commitments);
                proofs.add(s.proof);
            }
            int rounds = Math.max(2, iterations / 4);
            Bulletproofs.checkBatch(group, commitments, proofs, random);
            long t0 = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                if (Bulletproofs.checkBatch(group, commitments, proofs, random) != null) {
                    throw new CommandFailure("a batch of honest proofs did not verify: this build is broken");
                }
            }
            double perProof = (System.nanoTime() - t0) / 1e6 / rounds / size;
            ObjectNode b = batches.addObject();
            b.put("proofs", size);
            b.put("msPerProof", round(perProof));
            md.append(String.format(Locale.ROOT, "| %d | %.2f |%n", size, perProof));
            say.printf(Locale.ROOT, "bench-proofs: batch of %d: %.2f ms per proof%n", size, perProof);
            say.flush();
        }
        double[] cold = coldTransfers(say);
        double median = cold[cold.length / 2];
        boolean met = median < PROVE_TWO_TARGET_MS;
        ObjectNode c = report.putObject("coldTransfer");
        c.put("runs", cold.length);
        c.put("medianMs", round(median));
        c.put("maxMs", round(cold[cold.length - 1]));
        c.put("jvmOptions", String.join(" ", ONE_SHOT_JVM));
        report.put("targetMs", PROVE_TWO_TARGET_MS);
        report.put("targetMet", met);
        md.append(String.format(Locale.ROOT, "%nA two-output transfer (commitments, openings sealed to the owners and "
                + "an auditor, the range proof, the kernel, the signature) made in a fresh JVM as `cairn tx transfer` "
                + "makes it (%s), %d runs: median %.1f ms, max %.1f ms.%n%nTarget: under %.0f ms: %s.%n",
                String.join(" ", ONE_SHOT_JVM), cold.length, median, cold[cold.length - 1], PROVE_TWO_TARGET_MS,
                met ? "met" : "NOT met"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("bench-proofs.json"), json.writerWithDefaultPrettyPrinter()
                .writeValueAsString(report) + "\n");
        Files.writeString(out.resolve("bench-proofs.md"), md.toString());
        say.println("bench-proofs: report " + out.resolve("bench-proofs.md") + " and bench-proofs.json");
        return 0;
    }

    /** The milliseconds each of {@link #coldRuns} fresh JVMs took to make its transfer, sorted. */
    private double[] coldTransfers(PrintWriter say) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ONE_SHOT_JVM);
        cmd.add("-cp");
        cmd.add(StorageCommand.absoluteClassPath(System.getProperty("java.class.path")));
        cmd.add(ColdTransfer.class.getName());
        cmd.add(suite);
        double[] ms = new double[coldRuns];
        for (int i = 0; i < coldRuns; i++) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = p.waitFor();
            String line = output.lines().filter(l -> l.startsWith("made-in-ms ")).findFirst().orElse(null);
            if (exit != 0 || line == null) {
                throw new CommandFailure("a fresh JVM making a transfer exited with " + exit + ": " + output.strip());
            }
            ms[i] = Double.parseDouble(line.substring("made-in-ms ".length()));
            say.printf(Locale.ROOT, "bench-proofs: fresh JVM %d: transfer made in %.1f ms%n", i + 1, ms[i]);
            say.flush();
        }
        Arrays.sort(ms);
        return ms;
    }

    private static double round(double ms) {
        return Math.round(ms * 100) / 100.0;
    }

    /** {@code m} amounts, their blindings and commitments, and the last proof made of them. */
    private static final class Sample {
        final Group group;
        final BigInteger[] values;
        final BigInteger[] blindings;
        final ECPoint[] commitments;
        final SecureRandom random;
        final MultiExp exp;
        RangeProof proof;

        Sample(Group group, int m, SecureRandom random) {
            this.group = group;
            this.exp = NativeMultiExp.forGroup(group);
            this.random = random;
            values = new BigInteger[m];
            blindings = new BigInteger[m];
            commitments = new ECPoint[m];
            for (int i = 0; i < m; i++) {
                values[i] = BigInteger.valueOf(random.nextLong() & Long.MAX_VALUE);
                blindings[i] = group.randomScalar(random);
                commitments[i] = Pedersen.commit(group, values[i], blindings[i]);
            }
        }

        void prove() {
            proof = Bulletproofs.prove(group, values, blindings, random, exp);
        }
    }
}
