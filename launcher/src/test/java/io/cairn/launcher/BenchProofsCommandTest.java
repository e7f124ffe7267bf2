package io.cairn.launcher;

import static io.cairn.launcher.CliTest.cairn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchProofsCommandTest {
    @TempDir
    Path tmp;

    @Test
    void theProofBenchWritesItsFiguresAndVerdictToAReport() throws Exception {
        CliTest.Run r = cairn("bench-proofs", "--iterations", "1", "--cold-runs", "1", "--out", tmp.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("bench-proofs: 2 output(s): 754 bytes, prove "), r.out());
        JsonNode report = new ObjectMapper().readTree(tmp.resolve("bench-proofs.json").toFile());
        assertEquals("secp256k1", report.get("suite").asText());
        assertEquals(688, report.get("proofs").get(0).get("bytes").asInt());
        assertEquals(3, report.get("proofs").size());
        assertEquals(2, report.get("batches").size());
        // the target's figure: a transfer made in a fresh JVM, as `cairn tx transfer` makes it
        assertTrue(r.out().contains("bench-proofs: fresh JVM 1: transfer made in "), r.out());
        assertEquals(1, report.get("coldTransfer").get("runs").asInt());
        assertTrue(report.get("coldTransfer").get("medianMs").asDouble() > 0);
        assertEquals("-XX:TieredStopAtLevel=1 -XX:+UseSerialGC", report.get("coldTransfer").get("jvmOptions").asText());
        assertTrue(report.has("targetMet"));
        assertTrue(Files.readString(tmp.resolve("bench-proofs.md")).contains("Target: under 100 ms: "));

        CliTest.Run bad = cairn("bench-proofs", "--suite", "ed25519", "--out", tmp.toString());
        assertEquals(1, bad.code(), bad.out() + bad.err());
        assertTrue(bad.err().contains("--suite: 'ed25519' is not secp256k1 or sm2"), bad.err());
        CliTest.Run none = cairn("bench-proofs", "--cold-runs", "0", "--out", tmp.toString());
        assertEquals(1, none.code(), none.out() + none.err());
        assertTrue(none.err().contains("--cold-runs must be at least 1"), none.err());
    }
}
