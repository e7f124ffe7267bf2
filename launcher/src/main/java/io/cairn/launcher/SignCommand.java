package io.cairn.launcher;

import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.Suites;
import io.cairn.launcher.node.KeyFile;
import io.cairn.launcher.node.NodeHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.jar.JarInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Signs a bundle jar for {@code cairn:upgrade} and {@code deploy/}: writes {@code JAR.sig} with the suite, the
 * operator's public key and {@code suite.sign(suite.hash(jar bytes), key)}, the format cairn-admin checks.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Sign a bundle jar with the operator key, writing JAR.sig next to it.")
final class SignCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption home;

    @Parameters(index = "0", paramLabel = "JAR", description = "the bundle jar to sign")
    Path jar;

    @Option(names = "--key", paramLabel = "FILE", description = "private key file (default: <home>/keys/operator.key)")
    Path key;

    @Override
    public Integer call() throws IOException {
        NodeHome h = home.nodeHome();
        if (!Files.isRegularFile(jar)) {
            throw new CommandFailure("no jar " + jar);
        }
        byte[] bytes = Files.readAllBytes(jar);
        try (JarInputStream in = new JarInputStream(new java.io.ByteArrayInputStream(bytes))) {
            if (in.getManifest() == null || in.getManifest().getMainAttributes().getValue("Bundle-SymbolicName") == null) {
                throw new CommandFailure(jar + " is not a bundle: no manifest with a Bundle-SymbolicName");
            }
        } catch (IOException e) {
            throw new CommandFailure(jar + " is not a bundle: its manifest cannot be read (" + e.getMessage() + ")");
        }
        if (!Files.isRegularFile(h.genesisFile())) {
            throw new CommandFailure("no chain at " + h + " (no " + h.genesisFile() + "): its suite decides how to sign");
        }
        CryptoSuite suite = Suites.byName(h.genesis().suite());
        Path keyFile = key != null ? key : h.keys().resolve("operator.key");
        byte[] privateKey = KeyFile.readPrivate(keyFile);
        Path sig = jar.resolveSibling(jar.getFileName() + ".sig");
        Files.writeString(sig, signature(suite, bytes, privateKey), StandardCharsets.US_ASCII);
        spec.commandLine().getOut().println("signed " + jar + " with " + Bytes.toHex(suite.publicKey(privateKey))
                + " (" + suite.name() + "): " + sig);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The text of a {@code .sig} file. */
    static String signature(CryptoSuite suite, byte[] jar, byte[] privateKey) {
        return "suite=" + suite.name() + "\npublicKey=" + Bytes.toHex(suite.publicKey(privateKey)) + "\nsignature="
                + Bytes.toHex(suite.sign(suite.hash(jar), privateKey)) + "\n";
    }
}
