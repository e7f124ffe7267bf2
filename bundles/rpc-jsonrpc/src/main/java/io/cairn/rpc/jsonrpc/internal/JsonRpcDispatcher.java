package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * JSON-RPC 2.0: parses a request body (one request or a batch), dispatches each call by method name and
 * writes the response body. Knows nothing of HTTP, so it is tested without a server.
 *
 * <p>A large batch is split into lanes by each call's {@link RpcMethod#orderingKey ordering key} and the
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
    private final int maxBatch;
    private final Executor workers;
    private final int lanes;

    /**
     * @param workers runs the extra lanes of a large batch (may be {@code Runnable::run})
     * @param lanes   how many lanes a large batch is split into (the worker count)
     */
    public JsonRpcDispatcher(Map<String, RpcMethod> methods, int maxBatch, Executor workers, int lanes) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }
        this.methods = Map.copyOf(methods);
        this.maxBatch = maxBatch;
        this.workers = workers;
        this.lanes = Math.max(1, lanes);
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
            return done(error(NullNode.getInstance(), RpcException.PARSE_ERROR, "parse error: malformed JSON: "
                    + e.getOriginalMessage()
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())));
        } catch (IOException e) {
            return done(error(NullNode.getInstance(), RpcException.PARSE_ERROR, "parse error: " + e.getMessage()));
        }
        if (root == null || root.isMissingNode()) {
            return done(error(NullNode.getInstance(), RpcException.PARSE_ERROR, "parse error: the request body is empty"));
        }
        if (root.isArray()) {
            return batch(root);
        }
        ObjectNode response = call(root);
        return CompletableFuture.completedFuture(response == null ? NO_RESPONSE : write(response));
    }

    /** The body of an error that is not tied to a request (HTTP-level limits, internal failures). */
    public byte[] errorBody(int code, String message) {
        return write(error(NullNode.getInstance(), code, message));
    }

    /** Any JSON value as bytes (the health summary). */
    public byte[] toBytes(JsonNode node) {
        return write(node);
    }

    private CompletableFuture<byte[]> batch(JsonNode batch) {
        int n = batch.size();
        if (n == 0) {
            return done(error(NullNode.getInstance(), RpcException.INVALID_REQUEST, "invalid request: empty batch"));
        }
        if (n > maxBatch) {
            return done(error(NullNode.getInstance(), RpcException.INVALID_REQUEST, "invalid request: batch of " + n
                    + " requests exceeds the limit of " + maxBatch));
        }
        ObjectNode[] out = new ObjectNode[n];
        int laneCount = n >= PARALLEL_MIN_BATCH ? lanes : 1;
        if (laneCount == 1) {
            for (int i = 0; i < n; i++) {
                out[i] = call(batch.get(i));
            }
            return CompletableFuture.completedFuture(write(out));
        }
        int[][] lanesOf = split(batch, laneCount);
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        // The decrement orders each lane's writes to out[] before the last lane reads them.
        AtomicInteger running = new AtomicInteger(laneCount);
        for (int l = laneCount - 1; l >= 0; l--) {
            int[] indexes = lanesOf[l];
            Runnable lane = () -> {
                try {
                    for (int i : indexes) {
                        out[i] = call(batch.get(i));
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

    /** Indexes of the batch per lane: same ordering key, same lane, in batch order. */
    private int[][] split(JsonNode batch, int laneCount) {
        int n = batch.size();
        int[] laneOf = new int[n];
        int[] counts = new int[laneCount];
        for (int i = 0; i < n; i++) {
            int key = orderingKey(batch.get(i));
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

    private int orderingKey(JsonNode request) {
        JsonNode m = request.get("method");
        if (m == null || !m.isTextual()) {
            return RpcMethod.ANY_ORDER;
        }
        RpcMethod method = methods.get(m.textValue());
        JsonNode params = request.get("params");
        return method == null || params == null ? RpcMethod.ANY_ORDER : method.orderingKey(params);
    }

    /** One call; null for a notification (a valid request without an id gets no response). */
    ObjectNode call(JsonNode request) {
        if (!request.isObject()) {
            return error(NullNode.getInstance(), RpcException.INVALID_REQUEST,
                    "invalid request: a request must be a JSON object, got " + Params.describe(request));
        }
        JsonNode id = request.get("id");
        if (id != null && !(id.isTextual() || id.isNumber() || id.isNull())) {
            return error(NullNode.getInstance(), RpcException.INVALID_REQUEST,
                    "invalid request: id must be a string, a number or null, got " + Params.describe(id));
        }
        JsonNode replyId = id == null ? NullNode.getInstance() : id;
        JsonNode version = request.get("jsonrpc");
        if (version == null || !version.isTextual() || !version.textValue().equals("2.0")) {
            return error(replyId, RpcException.INVALID_REQUEST, "invalid request: jsonrpc must be \"2.0\", "
                    + (version == null ? "it is missing" : "got " + Params.describe(version)));
        }
        JsonNode m = request.get("method");
        if (m == null || !m.isTextual()) {
            return error(replyId, RpcException.INVALID_REQUEST, "invalid request: method must be a string, "
                    + (m == null ? "it is missing" : "got " + Params.describe(m)));
        }
        String name = m.textValue();
        JsonNode result;
        try {
            RpcMethod method = methods.get(name);
            if (method == null) {
                throw new RpcException(RpcException.METHOD_NOT_FOUND, "unknown method '" + Params.abbreviate(name) + "'");
            }
            JsonNode params = request.get("params");
            if (params == null || params.isNull()) {
                params = nodes.arrayNode();
            } else if (!params.isArray()) {
                throw RpcException.invalidParams("params must be an array of positional parameters, got "
                        + Params.describe(params));
            }
            result = method.call(new Params(name, params));
        } catch (RpcException e) {
            return id == null ? null : error(replyId, e.code(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "rpc: " + name + " failed", e);
            return id == null ? null : error(replyId, RpcException.INTERNAL_ERROR, "internal error in " + name + ": " + e);
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

    private ObjectNode error(JsonNode id, int code, String message) {
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
