package io.cairn.launcher.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** The bench as a client: resends what a busy node refuses, counts what it rejects for good. */
class BusyRetryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode ok(String tx) {
        return JSON.createObjectNode().put("result", "0xhash-" + tx);
    }

    private static JsonNode error(int code) {
        var n = JSON.createObjectNode();
        n.putObject("error").put("code", code).put("message", "refused");
        return n;
    }

    @Test
    void busyAnswersAreResentUntilAcceptedAndOtherRejectionsCounted() throws Exception {
        List<List<String>> requests = new ArrayList<>();
        // first request: a accepted, b busy, c rejected (nonce too high); then b busy once more; then b accepted
        Bench.BatchSender node = txs -> {
            requests.add(List.copyOf(txs));
            JsonNode[] out = new JsonNode[txs.size()];
            for (int i = 0; i < txs.size(); i++) {
                String tx = txs.get(i);
                out[i] = switch (tx) {
                    case "b" -> requests.size() < 3 ? error(Bench.POOL_FULL) : ok(tx);
                    case "c" -> error(-32015);
                    default -> ok(tx);
                };
            }
            return out;
        };
        Bench.BusyRetry retry = new Bench.BusyRetry();
        Map<Integer, LongAdder> rejected = new HashMap<>();
        List<String> seenEarly = new ArrayList<>();
        List<Bench.Accepted> got = retry.send(node, List.of("a", "b", "c"), rejected, System.nanoTime() + 10_000_000_000L,
                a -> seenEarly.add(a.hash() + "@" + requests.size()));
        // a's acceptance is reported after the first request, before b is resent: a may commit meanwhile
        assertEquals(List.of("0xhash-a@1", "0xhash-b@3"), seenEarly);

        assertEquals(List.of(List.of("a", "b", "c"), List.of("b"), List.of("b")), requests, "only the busy one is resent");
        assertEquals(List.of("0xhash-a", "0xhash-b"), got.stream().map(Bench.Accepted::hash).toList());
        assertEquals(2, retry.busy.sum());
        assertEquals(1, rejected.get(-32015).sum());
        Bench.Accepted b = got.get(1);
        assertTrue(b.acceptedAttempt() > b.firstAttempt(), "latency from the first attempt includes the push-back");
    }

    @Test
    void theDeadlineEndsTheResending() throws Exception {
        LongAdder calls = new LongAdder();
        Bench.BatchSender alwaysBusy = txs -> {
            calls.increment();
            return new JsonNode[] {error(Bench.POOL_FULL)};
        };
        Bench.BusyRetry retry = new Bench.BusyRetry();
        List<Bench.Accepted> got = retry.send(alwaysBusy, List.of("x"), new HashMap<>(), System.nanoTime() + 100_000_000L,
                a -> { });
        assertEquals(List.of(), got);
        assertTrue(calls.sum() >= 2, "resent at least once before the deadline");
    }

    @Test
    void withoutARejectionMapARejectionIsAnError() {
        Bench.BatchSender refuses = txs -> new JsonNode[] {error(-32011)};
        IOException e = assertThrows(IOException.class,
                () -> new Bench.BusyRetry().send(refuses, List.of("x"), null, System.nanoTime() + 1_000_000_000L, a -> { }));
        assertTrue(e.getMessage().contains("-32011"), e.getMessage());
    }
}
