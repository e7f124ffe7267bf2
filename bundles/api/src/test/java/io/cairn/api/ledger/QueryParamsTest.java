package io.cairn.api.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cairn.api.chain.Address;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryParamsTest {
    private static final String A = "0x" + "11".repeat(Address.SIZE);

    private static String refusal(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void aMethodTakesAtMostItsParameters() {
        QueryParams.atMost("getFoo", List.of(), 1);
        QueryParams.atMost("getFoo", List.of("a"), 1);
        QueryParams.atMost("getBar", List.of("a", "b"), 2);
        assertEquals("getFoo takes at most 1 parameter, got 2", refusal(() -> QueryParams.atMost("getFoo",
                List.of("a", "b"), 1)));
        assertEquals("getBar takes at most 2 parameters, got 3", refusal(() -> QueryParams.atMost("getBar",
                List.of("a", "b", "c"), 2)));
    }

    @Test
    void aRequiredParameterIsThereAndNotNull() {
        assertEquals("x", QueryParams.required(List.of("a", "x"), 1, "count"));
        assertEquals("params[0]: address is missing", refusal(() -> QueryParams.required(List.of(), 0, "address")));
        assertEquals("params[1]: count is missing", refusal(() -> QueryParams.required(List.of("a"), 1, "count")));
        assertEquals("params[0]: address is missing",
                refusal(() -> QueryParams.required(Arrays.asList((String) null), 0, "address")), "JSON null");
    }

    @Test
    void anAddressIs0xPrefixedHexOfItsSize() {
        assertEquals(Address.fromHex(A), QueryParams.address(List.of(A), 0));
        assertEquals(Address.fromHex(A), QueryParams.address(List.of("1", A), 1));

        Map<List<String>, String> bad = new LinkedHashMap<>();
        bad.put(List.of(), "params[0]: address is missing");
        bad.put(List.of(A.substring(2)), "params[0]: address must be 0x-prefixed hex of 20 bytes, got \""
                + A.substring(2) + "\" (no 0x prefix)");
        bad.put(List.of("0X" + A.substring(2)), "params[0]: address must be 0x-prefixed hex of 20 bytes, got \"0X"
                + A.substring(2) + "\" (no 0x prefix)");
        bad.put(List.of("0x0102"), "params[0]: address must be 0x-prefixed hex of 20 bytes, got 2 bytes");
        bad.put(List.of("0x"), "params[0]: address must be 0x-prefixed hex of 20 bytes, got 0 bytes");
        bad.put(List.of("0xzz"), "params[0]: address must be 0x-prefixed hex of 20 bytes: not a hex string: 0xzz");
        bad.put(List.of("0x123"), "params[0]: address must be 0x-prefixed hex of 20 bytes: hex string has an odd "
                + "number of digits: 0x123");
        String longText = "y".repeat(100);
        bad.put(List.of(longText), "params[0]: address must be 0x-prefixed hex of 20 bytes, got \""
                + "y".repeat(77) + "...\" (no 0x prefix)");
        for (Map.Entry<List<String>, String> b : bad.entrySet()) {
            assertEquals(b.getValue(), refusal(() -> QueryParams.address(b.getKey(), 0)), b.getKey().toString());
        }
        assertEquals("params[1]: address must be 0x-prefixed hex of 20 bytes, got 2 bytes",
                refusal(() -> QueryParams.address(List.of(A, "0x0102"), 1)));
    }
}
