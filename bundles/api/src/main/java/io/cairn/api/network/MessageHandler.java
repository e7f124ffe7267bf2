package io.cairn.api.network;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service receiving messages of the topics named by its service property
 * {@code cairn.topic} (a String or String[]). Called on a network thread: return quickly.
 * The payload comes from an authenticated peer but is otherwise untrusted input.
 */
@ConsumerType
public interface MessageHandler {
    String TOPIC = "cairn.topic";

    void onMessage(String peerId, String topic, byte[] payload);
}
