package io.cairn.launcher;

import io.cairn.launcher.node.NodeHome;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --home DIR}, defaulting to the home that {@code cairn up} creates. */
final class HomeOption {
    @Option(names = "--home", paramLabel = "DIR", description = "node home (default: " + NodeHome.DEFAULT_DIR + ")")
    Path home;

    NodeHome nodeHome() {
        return new NodeHome(home != null ? home : Path.of(NodeHome.DEFAULT_DIR));
    }
}
