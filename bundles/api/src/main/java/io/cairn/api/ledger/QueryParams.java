package io.cairn.api.ledger;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import java.util.List;

/**
 * The parameters of a {@link LedgerQuery}, read as the RPC reads its own (docs/rpc.md, "Errors"): each error is
 * an IllegalArgumentException worded {@code params[i]: <name> must be <what>, got <what it was>}, which the RPC
 * answers as invalid params. Stateless.
 */
public final class QueryParams {
    private QueryParams() {}

    /**
     * @throws IllegalArgumentException {@code "<method> takes at most <max> parameter(s), got <n>"} if there are
     *         more than {@code max}
     */
    public static void atMost(String method, List<String> params, int max) {
        if (params.size() > max) {
            throw new IllegalArgumentException(method + " takes at most " + max
                    + (max == 1 ? " parameter" : " parameters") + ", got " + params.size());
        }
    }

    /**
     * Parameter {@code i}, which the method needs.
     *
     * @param name what the parameter is, for the error
     * @throws IllegalArgumentException {@code "params[i]: <name> is missing"} if it is absent or null
     */
    public static String required(List<String> params, int i, String name) {
        String s = i < params.size() ? params.get(i) : null;
        if (s == null) {
            throw new IllegalArgumentException("params[" + i + "]: " + name + " is missing");
        }
        return s;
    }

    /**
     * Parameter {@code i} as an address: {@code 0x}-prefixed hex of {@link Address#SIZE} bytes.
     *
     * @throws IllegalArgumentException naming the parameter if it is missing, has no {@code 0x} prefix, is not hex
     *         or is not {@link Address#SIZE} bytes
     */
    public static Address address(List<String> params, int i) {
        String s = required(params, i, "address");
        String expected = "params[" + i + "]: address must be 0x-prefixed hex of " + Address.SIZE + " bytes";
        if (!s.startsWith("0x")) {
            String shown = s.length() <= 80 ? s : s.substring(0, 77) + "...";
            throw new IllegalArgumentException(expected + ", got \"" + shown + "\" (no 0x prefix)");
        }
        byte[] b;
        try {
            b = Bytes.fromHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(expected + ": " + e.getMessage());
        }
        if (b.length != Address.SIZE) {
            throw new IllegalArgumentException(expected + ", got " + b.length + " bytes");
        }
        return Address.of(b);
    }
}
