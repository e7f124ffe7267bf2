package io.cairn.api.node;

import org.osgi.annotation.versioning.ConsumerType;

/** A role in the node, provided by one engine bundle at a time. Readiness is part of the contract. */
@ConsumerType
public interface Component {
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
