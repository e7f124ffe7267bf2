package io.cairn.launcher.node;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/** A node in this JVM: Felix with the profile's bundles, running until the framework stops. */
public final class FelixNode {
    /** Started last, so the banner and any start failures come before the console prompt. */
    static final String GOGO_SHELL = "org.apache.felix.gogo.shell";
    private static final long STOP_WAIT_MS = 30_000;

    private final NodeHome home;
    private final RuntimeDir runtime;
    private final PrintStream out;

    public FelixNode(NodeHome home, RuntimeDir runtime, PrintStream out) {
        this.home = home;
        this.runtime = runtime;
        this.out = out;
    }

    public static Map<String, String> frameworkProperties(NodeHome home, boolean interactive) {
        Map<String, String> p = new HashMap<>();
        p.put(Constants.FRAMEWORK_STORAGE, home.felixCache().toString());
        // Bundles come from system/ on every start; a cache kept across starts would pin old jars.
        p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        p.put("cairn.home", home.dir().toString());
        p.put("felix.fileinstall.dir", home.etc().toString());
        p.put("felix.fileinstall.filter", ".*\\.cfg");
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.poll", "1000");
        p.put("felix.fileinstall.log.level", "2");
        p.put("felix.log.level", "1");
        // SCR reports component activation failures here, which is how an operator learns why an engine is down.
        p.put("ds.loglevel", "warn");
        if (!interactive) {
            // Gogo would read a non-terminal stdin and stop the framework at its end (OSGI-FACTS.md).
            p.put("gosh.args", "--nointeractive");
        }
        return p;
    }

    /** Runs the node until its framework stops; returns the process exit code. */
    public int run(boolean interactive) throws IOException, BundleException, InterruptedException {
        String profile = home.profile();
        Feature feature = Feature.resolve(profile, runtime.featureSource());
        List<String> missing = new ArrayList<>();
        for (String b : feature.bundles()) {
            if (!Files.isRegularFile(runtime.bundle(b))) {
                missing.add(b);
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("profile " + profile + " needs bundles missing from " + runtime.system() + ": "
                    + String.join(", ", missing));
        }
        PidFile pidFile = new PidFile(home.pidFile());
        long pid = ProcessHandle.current().pid();
        Framework framework = newFramework(frameworkProperties(home, interactive));
        framework.init();
        pidFile.write(pid);
        Thread hook = new Thread(() -> {
            stop(framework);
            pidFile.deleteIfOwnedBy(pid);
        }, "cairn-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            BundleContext ctx = framework.getBundleContext();
            List<Bundle> installed = new ArrayList<>();
            for (String b : feature.bundles()) {
                Path jar = runtime.bundle(b);
                try {
                    installed.add(ctx.installBundle(jar.toUri().toString()));
                } catch (BundleException e) {
                    out.println("bundle " + b + " (" + jar + ") cannot be installed: " + describe(e));
                }
            }
            framework.start();
            Bundle shell = null;
            int failed = 0;
            for (Bundle b : installed) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
                    continue;
                }
                if (GOGO_SHELL.equals(b.getSymbolicName())) {
                    shell = b;
                    continue;
                }
                if (!start(b)) {
                    failed++;
                }
            }
            banner(profile, installed.size(), failed);
            if (shell != null) {
                start(shell);
            }
            FrameworkEvent stopped = framework.waitForStop(0);
            if (stopped.getType() == FrameworkEvent.ERROR) {
                out.println("framework stopped with an error: " + describe(stopped.getThrowable()));
                return 1;
            }
            return 0;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                stop(framework);
                pidFile.deleteIfOwnedBy(pid);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and does the same
            }
        }
    }

    private boolean start(Bundle b) {
        try {
            b.start();
            return true;
        } catch (BundleException | RuntimeException e) {
            // One broken engine must not take the node down: the rest keeps running and the operator can fix it.
            out.println("bundle " + b.getSymbolicName() + " " + b.getVersion() + " did not start: " + describe(e));
            return false;
        }
    }

    private void banner(String profile, int bundles, int failed) throws IOException {
        out.println();
        out.println("Cairn node");
        out.println("  home     " + home);
        out.println("  profile  " + profile);
        out.println("  JSON-RPC " + home.rpcEndpoint());
        out.println("  bundles  " + bundles + " installed" + (failed == 0 ? ", all started" : ", " + failed + " failed to start (above)"));
        out.println("  pid      " + ProcessHandle.current().pid());
        out.println();
        out.flush();
    }

    private static void stop(Framework framework) {
        int state = framework.getState();
        if (state == Bundle.ACTIVE || state == Bundle.STARTING) {
            try {
                framework.stop();
                framework.waitForStop(STOP_WAIT_MS);
            } catch (BundleException e) {
                System.err.println("framework did not stop cleanly: " + describe(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Framework newFramework(Map<String, String> props) {
        Iterator<FrameworkFactory> factories = ServiceLoader.load(FrameworkFactory.class).iterator();
        if (!factories.hasNext()) {
            throw new IllegalStateException("no OSGi framework on the launcher's class path (org.apache.felix.framework)");
        }
        return factories.next().newFramework(props);
    }

    static String describe(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            b.append("\n    caused by ").append(c);
        }
        return b.toString();
    }
}
