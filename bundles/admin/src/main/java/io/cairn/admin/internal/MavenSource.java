package io.cairn.admin.internal;

import java.nio.file.Path;

/** {@code mvn:group/artifact/version[/type[/classifier]]} in a local Maven repository. */
final class MavenSource {
    static final String PREFIX = "mvn:";

    private MavenSource() {}

    static boolean is(String source) {
        return source.startsWith(PREFIX);
    }

    static Path resolve(String source, Path repository) {
        String[] p = source.substring(PREFIX.length()).split("/");
        if (p.length < 3 || p.length > 5 || p[0].isBlank() || p[1].isBlank() || p[2].isBlank()) {
            throw new IllegalArgumentException("malformed Maven coordinates '" + source
                    + "': expected mvn:group/artifact/version[/type[/classifier]]");
        }
        String type = p.length > 3 && !p[3].isBlank() ? p[3] : "jar";
        String classifier = p.length > 4 && !p[4].isBlank() ? "-" + p[4] : "";
        return repository.resolve(p[0].replace('.', '/')).resolve(p[1]).resolve(p[2])
                .resolve(p[1] + "-" + p[2] + classifier + "." + type);
    }
}
