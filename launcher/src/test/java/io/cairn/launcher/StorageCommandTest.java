package io.cairn.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StorageCommandTest {
    @Test
    void aServerIsGivenTheLaunchersClassPathWithEveryEntryAbsolute() {
        Path cwd = Path.of("").toAbsolutePath();
        assertEquals(cwd.resolve("launcher/target/cairn-launcher.jar") + File.pathSeparator + "/opt/lib/a.jar",
                StorageCommand.absoluteClassPath("launcher/target/./cairn-launcher.jar" + File.pathSeparator
                        + "/opt/lib/a.jar"));
    }
}
