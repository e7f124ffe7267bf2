package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;

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

    public byte[] hexBytes(int i, String name) {
        String s = text(i, name, "0x-prefixed hex");
        try {
            return Bytes.fromHex(s);
        } catch (IllegalArgumentException e) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be 0x-prefixed hex: " + e.getMessage());
        }
    }

    public Hash hash(int i, String name) {
        String expected = "32 bytes of hex";
        byte[] b;
        try {
            b = Bytes.fromHex(text(i, name, expected));
        } catch (IllegalArgumentException e) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be " + expected + ": " + e.getMessage());
        }
        if (b.length != Hash.SIZE) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be " + expected + ", got " + b.length + " bytes");
        }
        return Hash.of(b);
    }

    public Address address(int i, String name) {
        String expected = "20 bytes of hex";
        byte[] b;
        try {
            b = Bytes.fromHex(text(i, name, expected));
        } catch (IllegalArgumentException e) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be " + expected + ": " + e.getMessage());
        }
        if (b.length != Address.SIZE) {
            throw RpcException.invalidParams("params[" + i + "]: " + name + " must be " + expected + ", got " + b.length + " bytes");
        }
        return Address.of(b);
    }

    /** A block number as a JSON number, a decimal or 0x-hex string, or {@code "latest"}. */
    public long blockNumber(int i, String name, long latest) {
        JsonNode n = required(i, name);
        String expected = "a block number (number, decimal or 0x-hex string, or \"latest\")";
        long v;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            v = n.longValue();
        } else if (n.isTextual()) {
            String s = n.textValue().trim();
            if (s.equals("latest")) {
                return latest;
            }
            try {
                v = s.startsWith("0x") || s.startsWith("0X") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
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
