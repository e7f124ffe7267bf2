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
        CliTest.Run r = cairn("bench-proofs", "--iterations", "1", "--out", tmp.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("bench-proofs: 2 output(s): 754 bytes, prove "), r.out());
        JsonNode report = new ObjectMapper().readTree(tmp.resolve("bench-proofs.json").toFile());
        assertEquals("secp256k1", report.get("suite").asText());
        assertEquals(688, report.get("proofs").get(0).get("bytes").asInt());
        assertEquals(3, report.get("proofs").size());
        assertEquals(2, report.get("batches").size());
        assertTrue(report.get("proveTwoOutputsMs").asDouble() > 0);
        assertTrue(report.has("targetMet"));
        assertTrue(Files.readString(tmp.resolve("bench-proofs.md")).contains("Target: a two-output proof in under 100 ms"));

        CliTest.Run bad = cairn("bench-proofs", "--suite", "ed25519", "--out", tmp.toString());
        assertEquals(1, bad.code(), bad.out() + bad.err());
        assertTrue(bad.err().contains("--suite: 'ed25519' is not secp256k1 or sm2"), bad.err());
    }
}
