package io.cairn.launcher.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.slf4j.LoggerFactory;

/**
 * The node's Gogo shell over SSH, as user {@code operator} with the home's operator key. When the
 * home's host key file is readable the server must present that key: with several nodes on one
 * machine a wrong port would otherwise run commands on the wrong node.
 */
public final class SshShellClient implements AutoCloseable {
    /** The node's user name; the server accepts any name for an authorized key. */
    public static final String USER = "operator";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** A failure the operator can act on; the message says which. */
    public static final class ShellException extends IOException {
        private static final long serialVersionUID = 1L;

        ShellException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final SshClient client;
    private final ClientSession session;

    private SshShellClient(SshClient client, ClientSession session) {
        this.client = client;
        this.session = session;
    }

    /**
     * Connects and authenticates.
     *
     * @param keyName how to name the key in messages (keys/operator_ssh)
     * @param hostKey the node's host key file; null or unreadable: any host key is accepted (loopback)
     */
    public static SshShellClient connect(String host, int port, Path key, String keyName, Path hostKey) throws IOException {
        quietSlf4j();
        KeyPair identity = loadIdentity(key, keyName);
        PublicKey expected = hostKey == null ? null : nodeHostKey(hostKey);
        String where = host + ":" + port;
        SshClient client = SshClient.setUpDefaultClient();
        // A long command (an archive, a snapshot of a large state) prints nothing for minutes: heartbeats keep the
        // node's SSH server from closing the session as idle under it.
        org.apache.sshd.core.CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, java.time.Duration.ofSeconds(30));
        AtomicReference<PublicKey> presentedKey = new AtomicReference<>();
        ServerKeyVerifier verifier = (s, address, presented) -> {
            presentedKey.set(presented);
            return expected == null || KeyUtils.compareKeys(expected, presented);
        };
        client.setServerKeyVerifier(verifier);
        client.start();
        ClientSession session = null;
        try {
            try {
                session = client.connect(USER, host, port).verify(TIMEOUT).getSession();
            } catch (IOException e) {
                if (causedBy(e, ConnectException.class)) {
                    throw new ShellException("cannot reach the node's SSH shell at " + where + ": connection refused (is the node running?)", e);
                }
                throw new ShellException("cannot reach the node's SSH shell at " + where + ": " + message(e), e);
            }
            session.addPublicKeyIdentity(identity);
            try {
                session.auth().verify(TIMEOUT);
            } catch (IOException e) {
                PublicKey presented = presentedKey.get();
                if (expected != null && presented != null && !KeyUtils.compareKeys(expected, presented)) {
                    throw new ShellException("the SSH server at " + where + " is not this node: its host key differs from " + hostKey
                            + " (another node on the same port? see port in etc/io.cairn.ssh.cfg)", e);
                }
                if (presented == null || !String.valueOf(e.getMessage()).contains("No more authentication methods")) {
                    throw new ShellException("cannot log in to the node's SSH shell at " + where + ": " + message(e), e);
                }
                throw new ShellException("authentication refused: the key " + keyName + " is not in the node's authorized_keys", e);
            }
            return new SshShellClient(client, session);
        } catch (IOException | RuntimeException e) {
            if (session != null) {
                session.close(true);
            }
            client.stop();
            throw e;
        }
    }

    /** Runs one command line; its output and errors stream to {@code out} and {@code err}. Returns the exit status. */
    public int exec(String commandLine, OutputStream out, OutputStream err) throws IOException {
        try (ChannelExec ch = session.createExecChannel(commandLine)) {
            ch.setIn(InputStream.nullInputStream());
            ch.setOut(out);
            ch.setErr(err);
            return run(ch);
        }
    }

    /**
     * A shell session without a terminal: lines from {@code in} go to the node, which prompts and
     * answers; the local terminal (cooked mode) does echo and line editing. Ends at {@code exit} or end of input.
     */
    public int shell(InputStream in, OutputStream out, OutputStream err) throws IOException {
        try (ChannelShell ch = session.createShellChannel()) {
            ch.setUsePty(false);
            ch.setOut(out);
            ch.setErr(err);
            ch.open().verify(TIMEOUT);
            OutputStream remote = ch.getInvertedIn();
            // A daemon: after `exit` the node closes the channel while this may still wait on stdin.
            Thread pump = new Thread(() -> {
                byte[] buf = new byte[4096];
                try (remote) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        remote.write(buf, 0, n);
                        remote.flush();
                    }
                } catch (IOException e) {
                    // the channel closed first
                }
            }, "cairn-shell-stdin");
            pump.setDaemon(true);
            pump.start();
            ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 0L);
            Integer status = ch.getExitStatus();
            return status == null ? 1 : status;
        }
    }

    private static int run(ClientChannel ch) throws IOException {
        ch.open().verify(TIMEOUT);
        ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 0L);
        Integer status = ch.getExitStatus();
        if (status == null) {
            throw new ShellException("the node closed the shell channel before the command finished (did the command restart the SSH shell itself? see logs/node.log)", null);
        }
        return status;
    }

    @Override
    public void close() {
        session.close(true);
        client.stop();
    }

    private static KeyPair loadIdentity(Path key, String keyName) throws ShellException {
        try {
            Iterator<KeyPair> keys = new FileKeyPairProvider(key).loadKeys(null).iterator();
            if (!keys.hasNext()) {
                throw new ShellException("no key pair in " + keyName, null);
            }
            return keys.next();
        } catch (ShellException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ShellException("cannot read the SSH key " + keyName + ": " + message(e), e);
        }
    }

    /** Null when the file is missing, unreadable or not a host key: then there is nothing to check against. */
    private static PublicKey nodeHostKey(Path file) {
        if (!Files.isReadable(file)) {
            return null;
        }
        try {
            SimpleGeneratorHostKeyProvider p = new SimpleGeneratorHostKeyProvider(file);
            p.setOverwriteAllowed(false);
            List<KeyPair> keys = p.loadKeys(null);
            return keys.isEmpty() ? null : keys.get(0).getPublic();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    /**
     * sshd logs through SLF4J, and the launcher ships no SLF4J binding: slf4j 1.7 would print a
     * three-line warning to stderr on every {@code cairn shell}. The launcher is single-threaded
     * here, so hide stderr while SLF4J binds once (to its no-op logger).
     */
    private static synchronized void quietSlf4j() {
        PrintStream err = System.err;
        System.setErr(new PrintStream(OutputStream.nullOutputStream()));
        try {
            LoggerFactory.getILoggerFactory();
        } finally {
            System.setErr(err);
        }
    }
}
