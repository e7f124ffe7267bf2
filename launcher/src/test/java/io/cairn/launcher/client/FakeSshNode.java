package io.cairn.launcher.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.command.AbstractCommandSupport;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;

/**
 * An SSH server standing in for a node's cairn-ssh: the home's host key and authorized_keys,
 * exec answers "ran: COMMAND" (and fails for "fail"), the shell answers each line the same way.
 */
public final class FakeSshNode implements AutoCloseable {
    public final List<String> commands = new CopyOnWriteArrayList<>();
    public final List<String> users = new CopyOnWriteArrayList<>();
    private final SshServer server;

    public FakeSshNode(Path home) throws IOException {
        Path hostKey = home.resolve("data/ssh/host.key");
        Files.createDirectories(hostKey.getParent());
        SimpleGeneratorHostKeyProvider keys = new SimpleGeneratorHostKeyProvider(hostKey);
        keys.setAlgorithm(KeyUtils.EC_ALGORITHM);
        keys.loadKeys(null); // written now, as cairn-ssh does at activation
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(keys);
        server.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        AuthorizedKeysAuthenticator authorized = new AuthorizedKeysAuthenticator(home.resolve("keys/authorized_keys"));
        server.setPublickeyAuthenticator((user, key, session) -> {
            users.add(user);
            return authorized.authenticate(user, key, session);
        });
        server.setCommandFactory((channel, command) -> new AbstractCommandSupport(command, null) {
            @Override
            public void run() {
                commands.add(command);
                try {
                    if (command.equals("fail")) {
                        getErrorStream().write("Error: it failed\n".getBytes(StandardCharsets.UTF_8));
                        getErrorStream().flush();
                        onExit(1);
                    } else {
                        answer(getOutputStream(), command);
                        onExit(0);
                    }
                } catch (IOException e) {
                    onExit(2, e.toString());
                }
            }
        });
        server.setShellFactory(channel -> new AbstractCommandSupport(null, null) {
            @Override
            public void run() {
                try {
                    BufferedReader lines = new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
                    OutputStream out = getOutputStream();
                    for (String line; (line = lines.readLine()) != null && !line.equals("exit"); ) {
                        commands.add(line);
                        answer(out, line);
                    }
                    onExit(0);
                } catch (IOException e) {
                    onExit(2, e.toString());
                }
            }
        });
        server.start();
    }

    private static void answer(OutputStream out, String command) throws IOException {
        out.write(("ran: " + command + "\ngrüße\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }
}
