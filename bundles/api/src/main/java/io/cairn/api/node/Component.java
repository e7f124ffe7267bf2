package io.cairn.api.node;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A role in the node, provided by one engine bundle at a time. Readiness is part of the contract.
 *
 * <p>Each component service carries the properties {@value #COMPONENT} (the component's name) and {@value #ENGINE}
 * (the engine's), and declares how an upgrade must switch it ({@value #UPGRADE}) and whether a replacement must
 * carry its data over ({@value #MIGRATE}): the admin bundle reads these, it knows no engine by name.
 */
@ConsumerType
public interface Component {
    /** Service property: the component's name ({@code storage}, {@code consensus}, ...). */
    String COMPONENT = "cairn.component";
    /** Service property: the engine's name ({@code rocksdb}, {@code pbft}, ...). */
    String ENGINE = "cairn.engine";
    /**
     * Service property: how an upgrade switches the engine. {@value #BLUE_GREEN} (the default): the new version
     * starts beside the old one, which is retired once the new one is ready. {@value #STOP_FIRST}: the engine owns
     * something exclusive (a port, a database lock, the right to vote) or hands its state over on deactivate, so
     * the old one stops before the new one starts.
     */
    String UPGRADE = "cairn.upgrade";
    String BLUE_GREEN = "blue-green";
    String STOP_FIRST = "stop-first";
    /**
     * Service property, {@code true} for an engine that holds the node's data (storage): replacing it by another
     * engine copies every entry into the new one before the old one is retired.
     */
    String MIGRATE = "cairn.upgrade.migrate";
    /**
     * Service property, {@code true} for an engine that writes its own state into storage outside block commits
     * (a hand-over on deactivate, like the pool's pending transactions): replacing the storage engine stops it for
     * the copy, so that nothing is written behind the copy, and starts it again on the new storage.
     */
    String HANDS_OVER = "cairn.upgrade.handover";

    /** Whether the component can do its work now and, if not, a reason an operator can read. */
    Health health();

    record Health(boolean ready, String detail) {
        public static Health ready(String detail) {
            return new Health(true, detail);
        }

        public static Health notReady(String why) {
            return new Health(false, why);
        }
    }
}
