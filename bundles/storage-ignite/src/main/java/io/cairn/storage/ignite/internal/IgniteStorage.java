package io.cairn.storage.ignite.internal;

import io.cairn.api.storage.Storage;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import org.apache.ignite.Ignition;
import org.apache.ignite.configuration.ClientConfiguration;
import org.apache.ignite.client.ClientAuthenticationException;
import org.apache.ignite.client.IgniteClient;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The ignite storage engine: connects to the storage cluster in the background and offers {@link Storage} only once
 * the cluster answers, so that nothing in the node starts on a store it cannot read. Until then it says, in the log
 * and in {@code cairn:health}'s missing storage, what it waits for.
 */
@Component(immediate = true, service = {}, configurationPid = IgniteStorage.PID,
        property = {"cairn.component=storage", "cairn.engine=ignite", "cairn.upgrade=stop-first",
                "cairn.upgrade.migrate:Boolean=true"})
@Designate(ocd = IgniteStorage.Config.class, factory = false)
public final class IgniteStorage {
    static final String PID = "io.cairn.storage.ignite";
    private static final System.Logger LOG = System.getLogger(IgniteStorage.class.getName());
    /** How long between two attempts to reach the cluster. */
    private static final long RETRY_MS = 2000;

    @ObjectClassDefinition(name = "Cairn Ignite storage",
            description = "Chain state and blocks on an Apache Ignite storage cluster (cairn storage up).")
    public @interface Config {
        @AttributeDefinition(description = "The cluster's client endpoints, host:port separated by commas "
                + "(cairn storage up prints them).")
        String endpoints() default "";

        @AttributeDefinition(description = "This node's caches on the cluster are cairn_<namespace>_*: nodes "
                + "sharing a cluster each need their own.")
        String namespace() default "node";

        @AttributeDefinition(description = "Copies of each partition kept on other servers (0 loses data with a "
                + "server).")
        int backups() default 1;

        @AttributeDefinition(description = "How long one operation or batch may take before it fails, in ms.")
        long timeoutMs() default 15000;

        @AttributeDefinition(description = "MiB of the newest entries held in the node, read without a round trip "
                + "to the cluster (the node is the only writer of its namespace, so they stay exact).")
        int cacheMb() default 64;

        @AttributeDefinition(description = "A cluster with authentication (cairn storage up --auth): the file "
                + "holding the password (its first line), relative to the node's home; empty: no login.")
        String passwordFile() default "";

        @AttributeDefinition(description = "The user the node logs in as, with passwordFile.")
        String user() default "ignite";
    }

    private final BundleContext context;
    private final String[] endpoints;
    private final String namespace;
    private final int backups;
    private final long timeoutMs;
    private final long cacheBytes;
    /** The password file and user of a cluster with authentication; null file: no login. */
    private final java.nio.file.Path passwordFile;
    private final String user;
    /** This node, as the namespace's writer: its host and home. */
    private final String writer;
    private final Thread connector;
    private volatile boolean closed;
    private IgniteClient client;
    private IgniteStore store;
    private ServiceRegistration<Storage> registration;

    @Activate
    public IgniteStorage(BundleContext context, Config config) {
        this.context = context;
        this.endpoints = endpoints(config.endpoints());
        String bad = Namespace.problem(config.namespace());
        if (bad != null) {
            throw new IllegalArgumentException("storage-ignite: " + bad);
        }
        if (config.backups() < 0 || config.backups() > 9) {
            throw new IllegalArgumentException("storage-ignite: backups must be 0 to 9, got " + config.backups());
        }
        if (config.timeoutMs() < 100) {
            throw new IllegalArgumentException("storage-ignite: timeoutMs must be at least 100, got " + config.timeoutMs());
        }
        this.namespace = config.namespace();
        this.backups = config.backups();
        this.timeoutMs = config.timeoutMs();
        if (config.cacheMb() < 0) {
            throw new IllegalArgumentException("storage-ignite: cacheMb must be 0 or more, got " + config.cacheMb());
        }
        this.cacheBytes = config.cacheMb() * (1L << 20);
        java.nio.file.Path home = io.cairn.api.runtime.NodeHome.of(context).toAbsolutePath().normalize();
        this.writer = hostName() + ":" + home;
        String file = config.passwordFile() == null ? "" : config.passwordFile().strip();
        this.passwordFile = file.isEmpty() ? null : home.resolve(file);
        this.user = config.user() == null ? "" : config.user().strip();
        if (passwordFile != null && user.isEmpty()) {
            throw new IllegalArgumentException("storage-ignite: passwordFile is set but user is empty");
        }
        connector = new Thread(this::connect, "storage-ignite-connect");
        connector.setDaemon(true);
        connector.start();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    static String[] endpoints(String text) {
        String[] out = Arrays.stream(text == null ? new String[0] : text.split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toArray(String[]::new);
        if (out.length == 0) {
            throw new IllegalArgumentException("storage-ignite: no storage cluster endpoints are configured "
                    + "(endpoints=host:port,... in io.cairn.storage.ignite.cfg; cairn storage up prints them)");
        }
        for (String e : out) {
            int colon = e.lastIndexOf(':');
            boolean ok = colon > 0 && colon < e.length() - 1;
            if (ok) {
                try {
                    int port = Integer.parseInt(e.substring(colon + 1));
                    ok = port > 0 && port < 65536;
                } catch (NumberFormatException nfe) {
                    ok = false;
                }
            }
            if (!ok) {
                throw new IllegalArgumentException("storage-ignite: endpoint '" + e + "' is not host:port");
            }
        }
        return out;
    }

    private void connect() {
        String where = String.join(",", endpoints);
        int attempt = 0;
        while (!closed) {
            attempt++;
            IgniteClient c = null;
            ClassLoader tccl = Thread.currentThread().getContextClassLoader();
            try {
                // Ignite resolves its own classes through the context class loader
                Thread.currentThread().setContextClassLoader(Ignition.class.getClassLoader());
                c = Ignition.startClient(clientConfiguration());
                IgniteStore s = IgniteStore.open(c, Namespace.open(c, namespace, backups), where, timeoutMs,
                        cacheBytes, writer);
                s.warmUp();
                synchronized (this) {
                    if (closed) {
                        s.close();
                        c.close();
                        return;
                    }
                    client = c;
                    store = s;
                    Dictionary<String, Object> props = new Hashtable<>();
                    props.put("cairn.component", "storage");
                    props.put("cairn.engine", IgniteStore.ENGINE);
                    props.put("cairn.upgrade", "stop-first");
                    props.put("cairn.upgrade.migrate", Boolean.TRUE);
                    props.put("cairn.storage.namespace", namespace);
                    registration = context.registerService(Storage.class, s, props);
                }
                LOG.log(System.Logger.Level.INFO, "storage-ignite: on the storage cluster at {0}, namespace {1}, "
                        + "batch {2}", where, namespace, s.committed());
                return;
            } catch (IgniteStore.NamespaceTaken e) {
                LOG.log(System.Logger.Level.ERROR, e.getMessage());
                c.close();
                // tells the launcher that the node must not run (a java.* type every bundle shares): it stops the
                // node with the message; the registration goes when this bundle stops
                java.util.function.Supplier<String> message = e::getMessage;
                context.registerService(java.util.function.Supplier.class, message,
                        new Hashtable<>(java.util.Map.of("cairn.node", "refused")));
                return;
            } catch (LinkageError e) {
                LOG.log(System.Logger.Level.ERROR, "storage-ignite: the Ignite client cannot run in this JVM, so the "
                        + "node has no storage (a node JVM needs the --add-opens of docs/storage.md): " + e, e);
                return;
            } catch (ClientAuthenticationException | BadPassword e) {
                if (attempt == 1 || attempt % 15 == 0) {
                    LOG.log(System.Logger.Level.ERROR, "storage-ignite: waiting for the storage cluster at " + where
                            + " (namespace " + namespace + ", attempt " + attempt + "): " + loginProblem(e));
                }
            } catch (RuntimeException e) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (RuntimeException ignored) {
                        // it never connected
                    }
                }
                if (attempt == 1 || attempt % 15 == 0) {
                    LOG.log(System.Logger.Level.WARNING, "storage-ignite: waiting for the storage cluster at " + where
                            + " (namespace " + namespace + ", attempt " + attempt + "): " + e.getMessage());
                }
            } finally {
                Thread.currentThread().setContextClassLoader(tccl);
            }
            try {
                Thread.sleep(RETRY_MS); // the pace of reconnection attempts, not a synchronisation
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The thin client's settings: the endpoints, the timeout and, for a cluster with authentication, the login. */
    ClientConfiguration clientConfiguration() {
        ClientConfiguration c = new ClientConfiguration().setAddresses(endpoints)
                .setTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs));
        if (passwordFile != null) {
            // read at every attempt: an operator who fixes the file needs no restart
            c.setUserName(user).setUserPassword(password(passwordFile));
        }
        return c;
    }

    /** The password in {@code file}: its first line, stripped. */
    static String password(java.nio.file.Path file) {
        try (java.io.BufferedReader r = java.nio.file.Files.newBufferedReader(file)) {
            String line = r.readLine();
            if (line == null || line.isBlank()) {
                throw new BadPassword("the password file " + file + " (passwordFile) is empty");
            }
            return line.strip();
        } catch (java.io.IOException e) {
            throw new BadPassword("cannot read the password file " + file + " (passwordFile): " + e);
        }
    }

    /** The password file cannot be read or is empty. */
    static final class BadPassword extends RuntimeException {
        BadPassword(String message) {
            super(message);
        }
    }

    /** What an operator reads when the node cannot log in. */
    String loginProblem(RuntimeException e) {
        if (e instanceof BadPassword) {
            return e.getMessage();
        }
        return passwordFile == null
                ? "the cluster asks for a login (authentication is on) and none is configured: set passwordFile (and "
                        + "user) in io.cairn.storage.ignite.cfg (" + e.getMessage() + ")"
                : "the cluster refused the credentials of user " + user + " with the password in " + passwordFile
                        + " (" + e.getMessage() + ")";
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        closed = true;
        connector.interrupt();
        connector.join(timeoutMs);
        synchronized (this) {
            if (registration != null) {
                registration.unregister();
                registration = null;
            }
            if (store != null) {
                store.close();
            }
            if (client != null) {
                client.close();
            }
        }
    }
}
