package io.cairn.api.chain;

import java.util.HexFormat;

/** Hex conversion at the boundary: clients write {@code 0x}-prefixed lower-case hex. */
public final class Bytes {
    private static final HexFormat HEX = HexFormat.of();

    private Bytes() {}

    public static String toHex(byte[] data) {
        return "0x" + HEX.formatHex(data);
    }

    /** Parses hex with or without {@code 0x}; throws IllegalArgumentException naming the problem. */
    public static byte[] fromHex(String hex) {
        if (hex == null) {
            throw new IllegalArgumentException("hex string is missing");
        }
        String s = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        if ((s.length() & 1) != 0) {
            throw new IllegalArgumentException("hex string has an odd number of digits: " + abbreviate(hex));
        }
        try {
            return HEX.parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a hex string: " + abbreviate(hex));
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
