package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The positional parameters of one call, read with errors that name the parameter and what was expected. */
public final class Params {
    private final String method;
    private final JsonNode array;

    public Params(String method, JsonNode array) {
        this.method = method;
        this.array = array;
    }

    public int size() {
        return array.size();
    }

    /** Rejects extra parameters so that a misplaced argument is not silently ignored. */
    public Params atMost(int n) {
        if (array.size() > n) {
            throw RpcException.invalidParams(method + " takes at most " + n + " parameter" + (n == 1 ? "" : "s")
                    + ", got " + array.size());
        }
        return this;
    }

    public JsonNode required(int i, String name) {
        JsonNode n = array.get(i);
        if (n == null || n.isNull()) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " is missing");
        }
        return n;
    }

    public String text(int i, String name, String expected) {
        JsonNode n = required(i, name);
        if (!n.isTextual()) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be " + expected + ", got " + describe(n));
        }
        return n.textValue();
    }

    /** Bytes of any length, as {@code 0x}-prefixed hex (docs/rpc.md). */
    public byte[] hexBytes(int i, String name) {
        String expected = "0x-prefixed hex";
        return hex(i, name, text(i, name, expected), expected);
    }

    public Hash hash(int i, String name) {
        return Hash.of(fixedHex(i, name, Hash.SIZE));
    }

    public Address address(int i, String name) {
        return Address.of(fixedHex(i, name, Address.SIZE));
    }

    private byte[] fixedHex(int i, String name, int size) {
        String expected = "0x-prefixed hex of " + size + " bytes";
        byte[] b = hex(i, name, text(i, name, expected), expected);
        if (b.length != size) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be " + expected + ", got " + b.length
                    + " bytes");
        }
        return b;
    }

    /** Strict: a client that leaves out the prefix is told so, rather than guessed at. */
    private static byte[] hex(int i, String name, String s, String expected) {
        if (!s.startsWith("0x")) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be " + expected + ", got \""
                    + abbreviate(s) + "\" (no 0x prefix)");
        }
        try {
            return Bytes.fromHex(s);
        } catch (IllegalArgumentException e) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be " + expected + ": " + e.getMessage());
        }
    }

    /** A block number: a JSON number, a string of decimal digits or of 0x and hex digits, or {@code "latest"}. */
    public long blockNumber(int i, String name, long latest) {
        JsonNode n = required(i, name);
        String expected = "a block number (number, decimal or 0x-hex string, or \"latest\")";
        long v;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            v = n.longValue();
        } else if (n.isTextual()) {
            String s = n.textValue();
            if (s.equals("latest")) {
                return latest;
            }
            boolean hex = s.startsWith("0x");
            String digits = hex ? s.substring(2) : s;
            try {
                // digits only: parseLong would also take a sign
                if (!digits.matches(hex ? "[0-9a-fA-F]+" : "[0-9]+")) {
                    throw new NumberFormatException();
                }
                v = Long.parseLong(digits, hex ? 16 : 10);
            } catch (NumberFormatException e) {
                throw RpcException.invalidParams("params[" + i + "]: " + name + " must be " + expected + ", got \"" + abbreviate(s) + "\"");
            }
        } else {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be " + expected + ", got " + describe(n));
        }
        if (v < 0) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must not be negative, got " + v);
        }
        return v;
    }

    public boolean bool(int i, String name, boolean absent) {
        JsonNode n = array.get(i);
        if (n == null || n.isNull()) {
            return absent;
        }
        if (!n.isBoolean()) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be true or false, got " + describe(n));
        }
        return n.booleanValue();
    }

    /**
     * Every parameter as text, as a ledger model's query takes them: a string as itself, a number as its decimal
     * text, a boolean as {@code true} or {@code false}, JSON null as null.
     *
     * @param takes what the method takes, for the error when a parameter is an array or an object
     */
    public List<String> texts(String takes) {
        List<String> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode n = array.get(i);
            switch (n.getNodeType()) {
                case STRING -> out.add(n.textValue());
                case NUMBER -> out.add(n.isIntegralNumber() ? n.bigIntegerValue().toString() : n.asText());
                case BOOLEAN -> out.add(Boolean.toString(n.booleanValue()));
                case NULL -> out.add(null);
                default -> throw RpcException.invalidParams("params[" + i + "]: " + method + " takes its parameters"
                        + (takes == null || takes.isBlank() ? "" : " (" + takes + ")") + " as strings or numbers, got "
                        + describe(n));
            }
        }
        return Collections.unmodifiableList(out);
    }

    static String describe(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "the string \"" + abbreviate(n.textValue()) + "\"";
            case NUMBER -> "the number " + n.asText();
            case BOOLEAN -> n.asText();
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
