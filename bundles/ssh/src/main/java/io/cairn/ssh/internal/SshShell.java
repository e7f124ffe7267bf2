package io.cairn.ssh.internal;

import io.cairn.api.runtime.NodeHome;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactoryFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.UserAuthFactory;
import org.apache.sshd.server.auth.password.UserAuthPasswordFactory;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node's Gogo shell over SSH (Apache MINA sshd): loopback only and public-key authentication
 * against the home's authorized_keys unless configured otherwise. Exec channels run one command
 * line; shell channels get a line-based REPL with a {@code g! } prompt.
 *
 * <p>The server owns its port exclusively, so a new version of this bundle can only bind once the
 * old instance has deactivated: upgrade it in place (stop, then start), never beside the old one.
 */
@Component(immediate = true, configurationPid = "io.cairn.ssh")
@Designate(ocd = SshShell.Config.class, factory = false)
public final class SshShell {
    private static final System.Logger LOG = System.getLogger(SshShell.class.getName());

    @ObjectClassDefinition(name = "Cairn SSH shell")
    public @interface Config {
        @AttributeDefinition(description = "address to listen on; a non-loopback address needs allowRemote=true")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "TCP port (0: any free port)")
        int port() default 20600;

        @AttributeDefinition(description = "allow binding a non-loopback address (anyone who reaches it and holds an authorized key controls the node)")
        boolean allowRemote() default false;

        @AttributeDefinition(description = "OpenSSH authorized_keys file, relative to the node home; re-read when it changes")
        String authorizedKeys() default "keys/authorized_keys";

        @AttributeDefinition(description = "host key file, relative to the node home; generated (ECDSA P-256) when missing")
        String hostKey() default "data/ssh/host.key";

        @AttributeDefinition(description = "also accept password login (any user name) with the password whose SHA-256 is passwordSha256")
        boolean passwordLogin() default false;

        @AttributeDefinition(description = "hex SHA-256 of the password, required when passwordLogin=true")
        String passwordSha256() default "";
    }

    private final SshServer server;
    private final ExecutorService sessions;
    private final AtomicInteger threadCount = new AtomicInteger();
    /** Commands executing now, in any session. */
    private final AtomicInteger running = new AtomicInteger();

    @Activate
    public SshShell(Config config, BundleContext context, @Reference CommandProcessor processor) throws IOException {
        this(config, home(context), processor);
    }

    SshShell(Config config, Path home, CommandProcessor processor) throws IOException {
        // sshd resolves some classes by name through the thread context class loader first (its
        // security provider registrars, in a static initializer). Under SCR that loader is the
        // launcher's class path, which carries its own sshd for `cairn shell`: the registrar then
        // comes from the wrong copy and fails its cast, breaking sshd-osgi until it is refreshed.
        // So sshd starts, and its threads are created, with sshd-osgi's own loader as context.
        //
        // On a fresh thread that inherits no thread locals: when this component is (re)activated by
        // a shell command (Felix update, a configuration change made from the shell), the calling
        // thread carries Gogo's InheritableThreadLocal that routes System.out/err to that command's
        // session. Every thread sshd creates would inherit it and log into a closed session forever.
        sessions = Executors.newCachedThreadPool(this::sessionThread);
        SshServer[] started = new SshServer[1];
        Throwable[] failed = new Throwable[1];
        Thread starter = new Thread(null, () -> {
            Thread.currentThread().setContextClassLoader(SshServer.class.getClassLoader());
            try {
                started[0] = start(config, home, processor, sessions, running);
            } catch (Throwable e) {
                failed[0] = e;
            }
        }, "cairn-ssh-start", 0, false);
        starter.start();
        joinUninterruptibly(starter);
        if (failed[0] != null) {
            sessions.shutdownNow();
            if (failed[0] instanceof IOException e) {
                throw new IOException(e.getMessage(), e);
            }
            if (failed[0] instanceof IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            throw new IllegalStateException("ssh: " + failed[0], failed[0]);
        }
        server = started[0];
    }

    /** The server is either started or failed when activation returns, so an interrupt only gets re-set. */
    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private Thread sessionThread(Runnable r) {
        Thread t = new Thread(null, r, "cairn-ssh-session-" + threadCount.incrementAndGet(), 0, false);
        t.setDaemon(true);
        return t;
    }

    private static SshServer start(Config config, Path home, CommandProcessor processor, ExecutorService sessions,
            AtomicInteger running) throws IOException {
        InetAddress address = bindAddress(config);
        byte[] passwordHash = passwordHash(config);
        Path authorizedKeys = resolve(home, config.authorizedKeys());
        Path hostKey = resolve(home, config.hostKey());
        if (!Files.isRegularFile(authorizedKeys)) {
            LOG.log(System.Logger.Level.WARNING, "ssh: no authorized keys file " + authorizedKeys
                    + " yet: every key is refused until it exists (it is re-read when it changes)");
        }

        SshServer server = SshServer.setUpDefaultServer();
        // Explicit I/O factory: the default one is looked up through ServiceLoader and the thread
        // context class loader, which in OSGi is whatever bundle happens to call us.
        server.setIoServiceFactoryFactory(new Nio2ServiceFactoryFactory());
        server.setHost(address.getHostAddress());
        server.setPort(config.port());
        server.setKeyPairProvider(hostKeyProvider(hostKey));

        List<UserAuthFactory> auth = new ArrayList<>();
        auth.add(UserAuthPublicKeyFactory.INSTANCE);
        server.setPublickeyAuthenticator(new AuthorizedKeysAuthenticator(authorizedKeys));
        if (passwordHash != null) {
            auth.add(UserAuthPasswordFactory.INSTANCE);
            server.setPasswordAuthenticator((user, password, session) ->
                    MessageDigest.isEqual(passwordHash, sha256(password)));
        } else {
            server.setPasswordAuthenticator(null);
        }
        server.setUserAuthFactories(auth);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setGSSAuthenticator(null);
        server.setHostBasedAuthenticator(null);
        server.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);

        server.setShellFactory(channel -> new GogoChannel(processor, null, sessions, running));
        server.setCommandFactory((channel, command) -> new GogoChannel(processor, command, sessions, running));
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            server.stop(true);
            throw new IOException("ssh: cannot listen on " + address.getHostAddress() + ":" + config.port() + ": "
                    + e.getMessage() + " (port taken by another node? set port in etc/io.cairn.ssh.cfg)", e);
        }
        LOG.log(System.Logger.Level.INFO, "ssh: Gogo shell on " + address.getHostAddress() + ":" + server.getPort()
                + ", keys from " + authorizedKeys + (passwordHash != null ? ", password login on" : ""));
        return server;
    }

    /** The bound port (differs from the configured one when that was 0). */
    int port() {
        return server.getPort();
    }

    @Deactivate
    void deactivate() {
        release();
    }

    /**
     * Closing the server ends every channel, so idle shells see end of input and return. Commands
     * still running are not interrupted: one may be an upgrade, and an interrupt halfway through a
     * bundle update does more harm than letting it finish. Nor are they waited for: when this
     * bundle is itself being updated from one of its sessions (Felix {@code update}, {@code
     * cairn:upgrade ssh}), that command is the caller (on a Gogo pipe thread), and waiting for it
     * would hold the update for the whole timeout.
     */
    private void release() {
        try {
            server.stop(true);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "ssh: stopping the server: " + e.getMessage());
        }
        sessions.shutdown();
        int busy = running.get();
        if (busy > 0) {
            LOG.log(System.Logger.Level.INFO, "ssh: stopped; " + busy + " shell command(s) still running finish on their own");
            return;
        }
        try {
            if (!sessions.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "ssh: shell sessions still open 5 s after the server stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static InetAddress bindAddress(Config config) {
        String host = config.host().strip();
        if (host.isEmpty()) {
            throw new IllegalArgumentException("io.cairn.ssh: host is empty (default 127.0.0.1)");
        }
        if (config.port() < 0 || config.port() > 65535) {
            throw new IllegalArgumentException("io.cairn.ssh: port must be 0..65535, got " + config.port());
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("io.cairn.ssh: unknown host '" + host + "'", e);
        }
        if (!address.isLoopbackAddress() && !config.allowRemote()) {
            throw new IllegalArgumentException("io.cairn.ssh: refusing to listen on " + host + " (" + address.getHostAddress()
                    + "), not a loopback address: the shell controls the whole node, so binding beyond 127.0.0.1 needs"
                    + " allowRemote=true in etc/io.cairn.ssh.cfg");
        }
        return address;
    }

    /** Null when password login is off. */
    static byte[] passwordHash(Config config) {
        if (!config.passwordLogin()) {
            return null;
        }
        String hex = config.passwordSha256().strip();
        if (!hex.matches("(?i)[0-9a-f]{64}")) {
            throw new IllegalArgumentException("io.cairn.ssh: passwordLogin=true needs passwordSha256 = 64 hex digits"
                    + " (e.g. printf %s PASSWORD | sha256sum), got '" + hex + "'");
        }
        return HexFormat.of().parseHex(hex.toLowerCase());
    }

    private static byte[] sha256(String password) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static SimpleGeneratorHostKeyProvider hostKeyProvider(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        SimpleGeneratorHostKeyProvider keys = new SimpleGeneratorHostKeyProvider(file);
        // The JDK has P-256; ed25519 would need net.i2p eddsa, which the runtime does not carry.
        keys.setAlgorithm(KeyUtils.EC_ALGORITHM);
        keys.setKeySize(256);
        boolean created = !Files.exists(file);
        // Load now, not at the first connection: a bad key file fails the activation, where it shows.
        if (keys.loadKeys(null).isEmpty()) {
            throw new IOException("ssh: host key " + file + " holds no key pair");
        }
        if (created) {
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's permissions apply
            }
        }
        return keys;
    }

    private static Path home(BundleContext context) {
        return NodeHome.of(context);
    }

    private static Path resolve(Path home, String path) {
        return NodeHome.resolve(home, path);
    }
}
