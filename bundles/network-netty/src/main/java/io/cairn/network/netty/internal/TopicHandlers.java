package io.cairn.network.netty.internal;

import io.cairn.api.network.MessageHandler;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * The {@link MessageHandler} whiteboard: handlers by topic (service property {@code cairn.topic}, a
 * String, String[] or collection of strings). The map is copied on change and read without locks on
 * every message, since handlers come and go rarely and messages arrive thousands of times a second.
 */
final class TopicHandlers {
    private static final MessageHandler[] NONE = new MessageHandler[0];

    private volatile Map<String, MessageHandler[]> byTopic = Map.of();
    private final Map<Object, Registration> registrations = new HashMap<>();
    private final LongAdder dropped = new LongAdder();

    private record Registration(MessageHandler handler, List<String> topics) {}

    MessageHandler[] handlers(String topic) {
        MessageHandler[] h = byTopic.get(topic);
        if (h == null) {
            dropped.increment();
            return NONE;
        }
        return h;
    }

    /** Messages that arrived for a topic nobody handles. */
    long dropped() {
        return dropped.sum();
    }

    /** Registers a handler under a key (its service reference in a framework). */
    synchronized void add(Object key, MessageHandler handler, List<String> topics) {
        registrations.put(key, new Registration(handler, List.copyOf(topics)));
        rebuild();
    }

    synchronized void remove(Object key) {
        if (registrations.remove(key) != null) {
            rebuild();
        }
    }

    private void rebuild() {
        Map<String, List<MessageHandler>> m = new HashMap<>();
        for (Registration r : registrations.values()) {
            for (String t : r.topics()) {
                m.computeIfAbsent(t, k -> new ArrayList<>()).add(r.handler());
            }
        }
        Map<String, MessageHandler[]> out = new HashMap<>();
        m.forEach((t, l) -> out.put(t, l.toArray(NONE)));
        byTopic = Map.copyOf(out);
    }

    static List<String> topics(Object property) {
        List<String> out = new ArrayList<>();
        if (property instanceof String s) {
            out.add(s);
        } else if (property instanceof String[] a) {
            out.addAll(List.of(a));
        } else if (property instanceof Collection<?> c) {
            for (Object o : c) {
                if (o instanceof String s) {
                    out.add(s);
                }
            }
        }
        out.removeIf(String::isEmpty);
        return out;
    }

    /** Follows MessageHandler services in a framework. */
    ServiceTracker<MessageHandler, MessageHandler> tracker(BundleContext context) {
        return new ServiceTracker<>(context, MessageHandler.class, new ServiceTrackerCustomizer<>() {
            @Override
            public MessageHandler addingService(ServiceReference<MessageHandler> ref) {
                MessageHandler h = context.getService(ref);
                if (h != null) {
                    add(ref, h, topics(ref.getProperty(MessageHandler.TOPIC)));
                }
                return h;
            }

            @Override
            public void modifiedService(ServiceReference<MessageHandler> ref, MessageHandler h) {
                add(ref, h, topics(ref.getProperty(MessageHandler.TOPIC)));
            }

            @Override
            public void removedService(ServiceReference<MessageHandler> ref, MessageHandler h) {
                remove(ref);
                context.ungetService(ref);
            }
        });
    }
}
