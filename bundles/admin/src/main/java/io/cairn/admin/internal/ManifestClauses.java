package io.cairn.admin.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OSGi manifest header clauses ({@code name;name;attr=value;dir:=value, ...}) with quoted values that may
 * hold commas and semicolons, as bnd writes Import-Package and Provide-Capability.
 */
record ManifestClauses(List<Clause> clauses) {

    /** One clause: its names (paths or a namespace) and its attributes and directives, keys as written. */
    record Clause(List<String> names, Map<String, String> attributes, Map<String, String> directives) {
        /** An attribute by name, ignoring a type suffix ({@code objectClass:List<String>}). */
        String attribute(String name) {
            for (Map.Entry<String, String> e : attributes.entrySet()) {
                String k = e.getKey();
                int colon = k.indexOf(':');
                if ((colon < 0 ? k : k.substring(0, colon)).strip().equals(name)) {
                    return e.getValue();
                }
            }
            return null;
        }
    }

    static ManifestClauses parse(String header) {
        List<Clause> out = new ArrayList<>();
        if (header == null || header.isBlank()) {
            return new ManifestClauses(out);
        }
        for (String clause : split(header, ',')) {
            if (clause.isBlank()) {
                continue;
            }
            List<String> names = new ArrayList<>();
            Map<String, String> attrs = new LinkedHashMap<>();
            Map<String, String> dirs = new LinkedHashMap<>();
            for (String part : split(clause, ';')) {
                String p = part.strip();
                if (p.isEmpty()) {
                    continue;
                }
                int dir = p.indexOf(":=");
                int eq = p.indexOf('=');
                if (dir > 0 && dir < eq) {
                    dirs.put(p.substring(0, dir).strip(), unquote(p.substring(dir + 2)));
                } else if (eq > 0) {
                    attrs.put(p.substring(0, eq).strip(), unquote(p.substring(eq + 1)));
                } else {
                    names.add(p);
                }
            }
            out.add(new Clause(names, attrs, dirs));
        }
        return new ManifestClauses(out);
    }

    private static String unquote(String v) {
        String s = v.strip();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    private static List<String> split(String s, char sep) {
        List<String> parts = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == sep && !quoted) {
                parts.add(b.toString());
                b.setLength(0);
            } else {
                b.append(c);
            }
        }
        parts.add(b.toString());
        return parts;
    }

    /** The service interfaces named by osgi.service capabilities. */
    List<String> serviceObjectClasses() {
        List<String> out = new ArrayList<>();
        for (Clause c : clauses) {
            if (c.names().contains("osgi.service")) {
                String v = c.attribute("objectClass");
                if (v != null) {
                    for (String n : v.split(",")) {
                        if (!n.isBlank()) {
                            out.add(n.strip());
                        }
                    }
                }
            }
        }
        return out;
    }
}
