package io.cairn.admin.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;

/**
 * Checks a bundle jar before it may replace a component's engine: a bundle manifest, that it provides the
 * component, a trusted signature, imports that the running node can satisfy, and that it is not what
 * runs already. Every problem is reported, not only the first, so that a dry run says all there is.
 */
final class JarVerifier {

    /** The jar's identity as its manifest states it. */
    record JarFacts(String bsn, Version version, List<String> serviceClasses, String importPackage, int rules,
            List<String> exports) {
        JarFacts(String bsn, Version version, List<String> serviceClasses, String importPackage, int rules) {
            this(bsn, version, serviceClasses, importPackage, rules, List.of());
        }

        static JarFacts read(byte[] jar, Path path) throws IOException {
            Manifest m;
            try (JarInputStream in = new JarInputStream(new java.io.ByteArrayInputStream(jar))) {
                m = in.getManifest();
            } catch (IOException e) {
                throw new IOException(path + " is not a readable jar: " + e.getMessage());
            }
            if (m == null) {
                throw new IOException(path + " has no manifest (META-INF/MANIFEST.MF)");
            }
            Attributes a = m.getMainAttributes();
            String bsnHeader = a.getValue("Bundle-SymbolicName");
            if (bsnHeader == null || bsnHeader.isBlank()) {
                throw new IOException(path + " is not a bundle: its manifest has no Bundle-SymbolicName");
            }
            String bsn = bsnHeader.split(";")[0].strip();
            String v = a.getValue("Bundle-Version");
            if (v == null || v.isBlank()) {
                throw new IOException(path + " (" + bsn + ") has no Bundle-Version");
            }
            Version version;
            try {
                version = Version.parseVersion(v.strip());
            } catch (IllegalArgumentException e) {
                throw new IOException(path + " (" + bsn + ") has a malformed Bundle-Version '" + v + "'");
            }
            List<String> services = ManifestClauses.parse(a.getValue("Provide-Capability")).serviceObjectClasses();
            List<String> exports = new ArrayList<>();
            for (ManifestClauses.Clause c : ManifestClauses.parse(a.getValue("Export-Package")).clauses()) {
                exports.addAll(c.names());
            }
            return new JarFacts(bsn, version, services, a.getValue("Import-Package"),
                    JarVerifier.rules(a.getValue(io.cairn.api.node.ChainRules.RULES_HEADER), path + " (" + bsn + ")"),
                    List.copyOf(exports));
        }
    }

    /** A {@code Cairn-Rules} header's version: 1 when absent. */
    static int rules(String header, String what) throws IOException {
        if (header == null || header.isBlank()) {
            return 1;
        }
        try {
            int r = Integer.parseInt(header.strip());
            if (r >= 1) {
                return r;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IOException(what + " declares " + io.cairn.api.node.ChainRules.RULES_HEADER + " '" + header
                + "': a rules version is an integer of 1 or more");
    }

    /** What the verifier found; {@link #ok()} when nothing stands in the way. */
    record Verification(Path jar, String component, JarFacts facts, String kind, List<BundleFacts> current,
            String trust, List<String> unresolved, List<String> problems) {
        boolean ok() {
            return problems.isEmpty();
        }

        String firstProblem() {
            return problems.isEmpty() ? null : problems.get(0);
        }
    }

    private JarVerifier() {}

    /**
     * @param current the installed bundles that provide the component now
     * @param exports the packages exported by the node's resolved bundles
     * @param trust null to skip the signature check (a jar archived by an earlier trusted upgrade)
     */
    static Verification verify(Path jar, String component, List<BundleFacts> current, List<ExportedPackage> exports,
            Trust trust) {
        List<String> problems = new ArrayList<>();
        byte[] bytes;
        JarFacts facts;
        try {
            if (!Files.isRegularFile(jar) || !Files.isReadable(jar)) {
                throw new IOException("no readable jar " + jar);
            }
            bytes = Files.readAllBytes(jar);
            facts = JarFacts.read(bytes, jar);
        } catch (IOException e) {
            problems.add(e.getMessage());
            return new Verification(jar, component, null, null, current, "not checked", List.of(), problems);
        }
        String kind = kind(component, facts, current);
        if (kind == null) {
            String service = Components.serviceOf(component);
            problems.add(facts.bsn() + " " + facts.version() + " does not provide " + component + ": "
                    + (service == null ? "the " + component + " bundle is " + Components.BUNDLES.get(component)
                    : "its symbolic name is not that of the running engine (" + names(current)
                    + ") and it declares no " + service + " service (Provide-Capability osgi.service)"));
        }
        if (!current.isEmpty() && current.stream().noneMatch(b -> b.rules() == facts.rules())) {
            problems.add(facts.bsn() + " " + facts.version() + " computes with rules " + facts.rules() + ", the running "
                    + "engine (" + names(current) + ") with rules " + current.stream().map(b -> String.valueOf(b.rules()))
                            .distinct().reduce((x, y) -> x + ", " + y).orElse("?") + ": a change of rules must switch "
                    + "every node at the same block; " + (io.cairn.api.node.ChainRules.SCHEDULED.contains(component)
                            ? "propose it with cairn:propose-upgrade " + component + " JAR --at-height H, then "
                                    + "cairn:stage the jar"
                            : component + " has no rules an upgrade plan can schedule (only "
                                    + String.join(", ", io.cairn.api.node.ChainRules.SCHEDULED) + ")"));
        }
        if (!facts.exports().isEmpty()) {
            problems.add(facts.bsn() + " " + facts.version() + " exports " + String.join(", ", facts.exports())
                    + ": an engine exports nothing, since updating it would refresh every bundle that imports what it "
                    + "exports; put shared types in cairn-api");
        }
        for (BundleFacts b : current) {
            if (b.bsn().equals(facts.bsn()) && b.version().equals(facts.version())) {
                problems.add(facts.bsn() + " " + facts.version() + " is what runs already (bundle " + b.id()
                        + "): give the new jar a different Bundle-Version");
            }
        }
        String trustLine;
        if (trust == null) {
            trustLine = "archived by an earlier trusted upgrade: signature not checked again";
        } else {
            String refusal = trust.refusal(SignatureFile.of(jar), bytes);
            if (refusal == null) {
                trustLine = "signed by a trusted key";
            } else {
                trustLine = refusal;
                problems.add(refusal);
            }
        }
        List<String> unresolved = unresolvedImports(facts.importPackage(), exports);
        for (String u : unresolved) {
            problems.add("import cannot be resolved: " + u);
        }
        return new Verification(jar, component, facts, kind, current, trustLine, unresolved, problems);
    }

    private static String names(List<BundleFacts> current) {
        return current.isEmpty() ? "none runs" : String.join(", ", current.stream().map(BundleFacts::toString).toList());
    }

    /** "upgrade of X" or "replacement of X", or null if the jar does not provide the component. */
    static String kind(String component, JarFacts facts, List<BundleFacts> current) {
        String bundleName = Components.BUNDLES.get(component);
        if (bundleName != null) {
            return bundleName.equals(facts.bsn()) ? "upgrade of " + names(current) : null;
        }
        // of two versions side by side (one per rules version), the one of the jar's rules is upgraded
        for (BundleFacts b : current) {
            if (b.bsn().equals(facts.bsn()) && b.rules() == facts.rules()) {
                return "upgrade of " + b;
            }
        }
        for (BundleFacts b : current) {
            if (b.bsn().equals(facts.bsn())) {
                return "upgrade of " + b;
            }
        }
        if (facts.serviceClasses().contains(Components.serviceOf(component))) {
            return current.isEmpty() ? "new engine for " + component : "replacement of " + names(current);
        }
        return null;
    }

    /** Non-optional imports that no exported package satisfies, as {@code name version-range}. */
    static List<String> unresolvedImports(String importPackage, List<ExportedPackage> exports) {
        List<String> out = new ArrayList<>();
        for (ManifestClauses.Clause c : ManifestClauses.parse(importPackage).clauses()) {
            if ("optional".equals(c.directives().get("resolution"))) {
                continue;
            }
            String v = c.attribute("version");
            VersionRange range;
            try {
                range = v == null ? null : new VersionRange(v);
            } catch (IllegalArgumentException e) {
                out.add(String.join(";", c.names()) + " (malformed version range " + v + ")");
                continue;
            }
            for (String pkg : c.names()) {
                // java.* comes from the JVM through the system bundle's boot delegation.
                if (pkg.startsWith("java.")) {
                    continue;
                }
                boolean found = false;
                for (ExportedPackage e : exports) {
                    if (e.name().equals(pkg) && (range == null || range.includes(e.version()))) {
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    out.add(pkg + (range == null ? "" : " " + range));
                }
            }
        }
        return out;
    }
}
