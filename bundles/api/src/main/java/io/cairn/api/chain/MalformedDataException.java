package io.cairn.api.chain;

/** Bytes that do not decode to a well-formed value; the message says what and where. */
public class MalformedDataException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MalformedDataException(String message) {
        super(message);
    }
}
