package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.node.NotReadyException;
import io.cairn.api.runtime.Metrics;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * JSON-RPC 2.0: parses a request body (one request or a batch), dispatches each call by method name (a name
 * that is not registered to the {@link Fallback}: the ledger model's queries) and writes the response body.
 * Knows nothing of HTTP, so it is tested without a server.
 *
 * <p>A large batch is split into lanes by each call's {@link RpcMethod#prepare lane key} and the
 * lanes run in parallel on the worker executor: a batch of transactions is bound by signature checks, and
 * one client connection should be able to use every worker. Nothing blocks waiting for a lane (the last
 * lane to finish writes the response), so a small worker pool cannot deadlock on its own batches.
 */
public final class JsonRpcDispatcher {
    private static final System.Logger LOG = System.getLogger(JsonRpcDispatcher.class.getName());
    /** Below this, splitting a batch costs more than it saves. */
    static final int PARALLEL_MIN_BATCH = 16;
    private static final byte[] NO_RESPONSE = new byte[0];

    private final ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    private final Map<String, RpcMethod> methods;
    private final Fallback fallback;
    private final int maxBatch;
    private final Executor workers;
    private final int lanes;
    private final RpcMetrics metrics;

    /**
     * What answers a method that is not registered: a ledger model's query ({@link LedgerQueries}), or the
     * unknown-method error. Thread-safe.
     */
    public interface Fallback {
        /** Nothing but registered methods: any other name is unknown. */
        Fallback NONE = new Fallback() {
            @Override
            public boolean offers(String method) {
                return false;
            }

            @Override
            public JsonNode call(String method, Params params, Collection<String> registered) {
                throw RpcException.unknownMethod(method, registered, null, List.of());
            }
        };

        /** Whether {@code method} is offered now: its calls are then counted under its name. */
        boolean offers(String method);

        /**
         * Answers a call of a method that is not registered.
         *
         * @param registered the registered methods, for the unknown-method error
         * @throws RpcException method not found (naming what is offered), or the method's own error
         */
        JsonNode call(String method, Params params, Collection<String> registered);
    }

    /** Without metrics, registered methods alone (tests). */
    public JsonRpcDispatcher(Map<String, RpcMethod> methods, int maxBatch, Executor workers, int lanes) {
        this(methods, maxBatch, workers, lanes, Metrics.NONE);
    }

    /** Registered methods alone. */
    public JsonRpcDispatcher(Map<String, RpcMethod> methods, int maxBatch, Executor workers, int lanes, Metrics metrics) {
        this(methods, Fallback.NONE, maxBatch, workers, lanes, metrics);
    }

    /**
     * @param fallback answers the methods that are not registered
     * @param workers  runs the extra lanes of a large batch (may be {@code Runnable::run})
     * @param lanes    how many lanes a large batch is split into (the worker count)
     * @param metrics  counts calls by method and errors by code
     */
    public JsonRpcDispatcher(Map<String, RpcMethod> methods, Fallback fallback, int maxBatch, Executor workers,
            int lanes, Metrics metrics) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }
        this.methods = Map.copyOf(methods);
        this.fallback = fallback;
        this.maxBatch = maxBatch;
        this.workers = workers;
        this.lanes = Math.max(1, lanes);
        this.metrics = new RpcMetrics(metrics, this.methods.keySet(), fallback::offers);
    }

    /**
     * Answers a request body. The result is the response body, empty when every call was a notification.
     * The future completes on the calling thread or on a worker.
     */
    public CompletableFuture<byte[]> handle(byte[] body) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            return done(failure(RpcException.PARSE_ERROR, "parse error: malformed JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())));
        } catch (IOException e) {
            return done(failure(RpcException.PARSE_ERROR, "parse error: " + e.getMessage()));
        }
        if (root == null || root.isMissingNode()) {
            return done(failure(RpcException.PARSE_ERROR, "parse error: the request body is empty"));
        }
        if (root.isArray()) {
            return batch(root);
        }
        ObjectNode response = answer(read(root), null);
        return CompletableFuture.completedFuture(response == null ? NO_RESPONSE : write(response));
    }

    /** The body of an error that is not tied to a request (HTTP-level limits, internal failures); counted. */
    public byte[] errorBody(int code, String message) {
        return write(failure(code, message));
    }

    /** Any JSON value as bytes (the health summary). */
    public byte[] toBytes(JsonNode node) {
        return write(node);
    }

    private CompletableFuture<byte[]> batch(JsonNode batch) {
        int n = batch.size();
        if (n == 0) {
            return done(failure(RpcException.INVALID_REQUEST, "invalid request: empty batch"));
        }
        if (n > maxBatch) {
            return done(failure(RpcException.INVALID_REQUEST, "invalid request: batch of " + n
                    + " requests exceeds the limit of " + maxBatch));
        }
        ObjectNode[] out = new ObjectNode[n];
        int laneCount = n >= PARALLEL_MIN_BATCH ? lanes : 1;
        if (laneCount == 1) {
            for (int i = 0; i < n; i++) {
                out[i] = answer(read(batch.get(i)), null);
            }
            return CompletableFuture.completedFuture(write(out));
        }
        Call[] calls = new Call[n];
        RpcMethod.Prepared[] prepared = new RpcMethod.Prepared[n];
        for (int i = 0; i < n; i++) {
            calls[i] = read(batch.get(i));
            prepared[i] = prepare(calls[i]);
        }
        int[][] lanesOf = split(prepared, laneCount);
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        // The decrement orders each lane's writes to out[] before the last lane reads them.
        AtomicInteger running = new AtomicInteger(laneCount);
        for (int l = laneCount - 1; l >= 0; l--) {
            int[] indexes = lanesOf[l];
            Runnable lane = () -> {
                try {
                    for (int i : indexes) {
                        out[i] = answer(calls[i], prepared[i].call());
                    }
                } finally {
                    if (running.decrementAndGet() == 0) {
                        try {
                            result.complete(write(out));
                        } catch (RuntimeException e) {
                            result.completeExceptionally(e);
                        }
                    }
                }
            };
            if (l == 0) {
                lane.run();
            } else {
                try {
                    workers.execute(lane);
                } catch (RejectedExecutionException e) {
                    lane.run();
                }
            }
        }
        return result;
    }

    /** The call's lane and its parameters read once; a call that cannot be read fails in any lane. */
    private static RpcMethod.Prepared prepare(Call c) {
        if (c.invalid != null) {
            return new RpcMethod.Prepared(RpcMethod.ANY_ORDER, () -> null);
        }
        try {
            return c.method.prepare(c.params);
        } catch (RuntimeException e) {
            return new RpcMethod.Prepared(RpcMethod.ANY_ORDER, () -> {
                throw e;
            });
        }
    }

    /** Indexes of the batch per lane: same key, same lane, in batch order. */
    private static int[][] split(RpcMethod.Prepared[] prepared, int laneCount) {
        int n = prepared.length;
        int[] laneOf = new int[n];
        int[] counts = new int[laneCount];
        for (int i = 0; i < n; i++) {
            int key = prepared[i].key();
            int lane = key == RpcMethod.ANY_ORDER ? i % laneCount : Math.floorMod(mix(key), laneCount);
            laneOf[i] = lane;
            counts[lane]++;
        }
        int[][] out = new int[laneCount][];
        for (int l = 0; l < laneCount; l++) {
            out[l] = new int[counts[l]];
            counts[l] = 0;
        }
        for (int i = 0; i < n; i++) {
            out[laneOf[i]][counts[laneOf[i]]++] = i;
        }
        return out;
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }

    /**
     * A request read as far as its envelope: either invalid (the error response, owed even to a request without
     * an id) or a method with its parameters; a method that is not registered goes to the fallback, and an
     * unknown method or a params value that is no array is a method that fails, so a notification of it gets no
     * response.
     */
    private record Call(JsonNode id, ObjectNode invalid, String name, RpcMethod method, Params params) {}

    private Call read(JsonNode request) {
        JsonNode m = request.get("method");
        String name = m != null && m.isTextual() ? m.textValue() : null;
        metrics.request(name);
        if (!request.isObject()) {
            return invalid(NullNode.getInstance(), "invalid request: a request must be a JSON object, got "
                    + Params.describe(request));
        }
        JsonNode id = request.get("id");
        if (id != null && !(id.isTextual() || id.isNumber() || id.isNull())) {
            return invalid(NullNode.getInstance(), "invalid request: id must be a string, a number or null, got "
                    + Params.describe(id));
        }
        JsonNode replyId = id == null ? NullNode.getInstance() : id;
        JsonNode version = request.get("jsonrpc");
        if (version == null || !version.isTextual() || !version.textValue().equals("2.0")) {
            return invalid(replyId, "invalid request: jsonrpc must be \"2.0\", "
                    + (version == null ? "it is missing" : "got " + Params.describe(version)));
        }
        if (name == null) {
            return invalid(replyId, "invalid request: method must be a string, "
                    + (m == null ? "it is missing" : "got " + Params.describe(m)));
        }
        RpcMethod method = methods.get(name);
        if (method == null) {
            // resolved when the call runs: a ledger model's query, or the unknown-method error
            method = p -> fallback.call(name, p, methods.keySet());
        }
        JsonNode params = request.get("params");
        if (params == null || params.isNull()) {
            params = nodes.arrayNode();
        } else if (!params.isArray()) {
            RpcException e = RpcException.invalidParams("params must be an array of positional parameters, got "
                    + Params.describe(params));
            method = p -> {
                throw e;
            };
        }
        return new Call(id, null, name, method, new Params(name, params));
    }

    private Call invalid(JsonNode replyId, String message) {
        return new Call(replyId, failure(replyId, RpcException.INVALID_REQUEST, message), null, null, null);
    }

    /**
     * Runs one call; null for a notification (a valid request without an id gets no response).
     *
     * @param run the call with its parameters read ahead, or null to run the method on its parameters
     */
    private ObjectNode answer(Call c, Supplier<JsonNode> run) {
        if (c.invalid != null) {
            return c.invalid;
        }
        JsonNode id = c.id;
        JsonNode result;
        try {
            result = run != null ? run.get() : c.method.call(c.params);
        } catch (RpcException e) {
            return refuse(id, e.code(), e.getMessage());
        } catch (NotReadyException e) {
            // a component behind the one called is absent (an engine swap): the client retries, as for -32018
            return refuse(id, RpcException.NOT_READY, "not ready: " + e.getMessage());
        } catch (io.cairn.api.node.BlockArchivedException e) {
            // the block's archive file was moved away or changed: the message names it and the blocks it holds
            return refuse(id, RpcException.ARCHIVE_UNREADABLE, e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "rpc: " + c.name + " failed", e);
            return refuse(id, RpcException.INTERNAL_ERROR, "internal error in " + c.name + ": " + e);
        }
        if (id == null) {
            return null;
        }
        ObjectNode response = nodes.objectNode();
        response.put("jsonrpc", "2.0");
        response.set("id", id);
        response.set("result", result == null ? NullNode.getInstance() : result);
        return response;
    }

    /** A method's error: counted, and answered unless the call was a notification. */
    private ObjectNode refuse(JsonNode id, int code, String message) {
        if (id == null) {
            metrics.error(code);
            return null;
        }
        return failure(id, code, message);
    }

    private ObjectNode failure(int code, String message) {
        return failure(NullNode.getInstance(), code, message);
    }

    private ObjectNode failure(JsonNode id, int code, String message) {
        metrics.error(code);
        ObjectNode response = nodes.objectNode();
        response.put("jsonrpc", "2.0");
        response.set("id", id);
        ObjectNode error = response.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return response;
    }

    private CompletableFuture<byte[]> done(ObjectNode response) {
        return CompletableFuture.completedFuture(write(response));
    }

    private byte[] write(ObjectNode[] responses) {
        ArrayNode array = nodes.arrayNode(responses.length);
        for (ObjectNode r : responses) {
            if (r != null) {
                array.add(r);
            }
        }
        return array.isEmpty() ? NO_RESPONSE : write(array);
    }

    private byte[] write(JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON-RPC response: " + e.getOriginalMessage(), e);
        }
    }
}
