package io.cairn.snapshot.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.chain.Bytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot's {@value #FILE} (docs/snapshots.md): which chain, the sealed header of the height the state is
 * of, and the ordered chunks that hold the state, each with its hash and its share of the state accumulator.
 */
record Manifest(int format, String kind, long chainId, String suite, String ledger, String genesisHash,
        byte[] genesisBlock, long height, byte[] header, List<byte[]> seals, long entries, List<Chunk> chunks,
        List<BlockChunk> blocks) {
    static final String FILE = "manifest.json";
    static final int FORMAT = 1;
    /** The kind of a snapshot of the state alone. */
    static final String STATE = "state";
    /** The kind of a snapshot of the state and every block 1..H with its receipts. */
    static final String FULL = "full";

    /** A state snapshot's manifest (no blocks). */
    Manifest(int format, String kind, long chainId, String suite, String ledger, String genesisHash,
            byte[] genesisBlock, long height, byte[] header, List<byte[]> seals, long entries, List<Chunk> chunks) {
        this(format, kind, chainId, suite, ledger, genesisHash, genesisBlock, height, header, seals, entries, chunks,
                List.of());
    }

    boolean full() {
        return FULL.equals(kind);
    }

    /** One block chunk file of a full snapshot: the blocks first..last, their transactions, its bytes' hash. */
    record BlockChunk(String file, long first, long last, long transactions, long bytes, String hash) {}

    /** One chunk file: its entries' key range and count, its bytes' hash, and the sum of its accumulated entries. */
    record Chunk(String file, long entries, long bytes, String hash, byte[] first, byte[] last, byte[] sum) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    void write(Path dir) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", format).put("kind", kind).put("chainId", chainId).put("suite", suite).put("ledger", ledger)
                .put("genesisHash", genesisHash).put("genesisBlock", Bytes.toHex(genesisBlock)).put("height", height)
                .put("header", Bytes.toHex(header));
        ArrayNode s = o.putArray("seals");
        seals.forEach(seal -> s.add(Bytes.toHex(seal)));
        o.put("entries", entries);
        ArrayNode cs = o.putArray("chunks");
        for (Chunk c : chunks) {
            cs.addObject().put("file", c.file()).put("entries", c.entries()).put("bytes", c.bytes())
                    .put("hash", c.hash()).put("first", Bytes.toHex(c.first())).put("last", Bytes.toHex(c.last()))
                    .put("sum", Bytes.toHex(c.sum()));
        }
        if (full()) {
            ArrayNode bs = o.putArray("blocks");
            for (BlockChunk b : blocks) {
                bs.addObject().put("file", b.file()).put("first", b.first()).put("last", b.last())
                        .put("transactions", b.transactions()).put("bytes", b.bytes()).put("hash", b.hash());
            }
        }
        Path tmp = dir.resolve(FILE + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), o);
        Files.move(tmp, dir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads {@code dir}'s manifest.
     *
     * @throws SnapshotRefused naming the file and the field that is missing or malformed
     */
    static Manifest read(Path dir) {
        Path file = dir.resolve(FILE);
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new SnapshotRefused("no " + FILE + " in " + dir + ": not a snapshot directory");
        } catch (IOException e) {
            throw new SnapshotRefused(file + " cannot be read: " + e.getMessage());
        }
        return parse(json, file.toString());
    }

    /**
     * Parses a manifest's JSON ({@code where} names its source in errors: the file, or the peer that sent it).
     *
     * @throws SnapshotRefused naming the field that is missing or malformed
     */
    static Manifest parse(byte[] json, String where) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (IOException e) {
            throw new SnapshotRefused(where + " is not JSON: " + e.getMessage());
        }
        if (o == null || !o.isObject()) {
            throw new SnapshotRefused(where + " is not a JSON object");
        }
        Fields f = new Fields(o, FILE);
        int format = (int) f.number("format");
        if (format != FORMAT) {
            throw new SnapshotRefused(FILE + ": format " + format + " is not one this node reads (" + FORMAT + ")");
        }
        String kind = f.text("kind");
        if (!STATE.equals(kind) && !FULL.equals(kind)) {
            throw new SnapshotRefused(FILE + ": kind '" + kind + "' is not one this node reads (" + STATE + ", "
                    + FULL + ")");
        }
        List<byte[]> seals = new ArrayList<>();
        for (JsonNode s : f.array("seals")) {
            seals.add(f.hex(s, "seals[]"));
        }
        List<Chunk> chunks = new ArrayList<>();
        int i = 0;
        for (JsonNode c : f.array("chunks")) {
            Fields cf = new Fields(c, FILE + " chunks[" + i++ + "]");
            String name = cf.text("file");
            if (!name.matches("[A-Za-z0-9._-]+") || name.equals(FILE)) {
                throw new SnapshotRefused(FILE + " chunks[" + (i - 1) + "]: file '" + name + "' is not a plain file name");
            }
            chunks.add(new Chunk(name, cf.number("entries"), cf.number("bytes"), cf.text("hash"), cf.hex("first"),
                    cf.hex("last"), cf.hex("sum")));
        }
        List<BlockChunk> blocks = new ArrayList<>();
        if (FULL.equals(kind)) {
            i = 0;
            for (JsonNode c : f.array("blocks")) {
                Fields bf = new Fields(c, FILE + " blocks[" + i++ + "]");
                String name = bf.text("file");
                if (!name.matches("[A-Za-z0-9._-]+") || name.equals(FILE)) {
                    throw new SnapshotRefused(FILE + " blocks[" + (i - 1) + "]: file '" + name
                            + "' is not a plain file name");
                }
                blocks.add(new BlockChunk(name, bf.number("first"), bf.number("last"), bf.number("transactions"),
                        bf.number("bytes"), bf.text("hash")));
            }
        }
        return new Manifest(format, kind, f.number("chainId"), f.text("suite"), f.text("ledger"), f.text("genesisHash"),
                f.hex("genesisBlock"), f.number("height"), f.hex("header"), seals, f.number("entries"), chunks, blocks);
    }

    /** Required fields of a JSON object, each refused by name. */
    private record Fields(JsonNode o, String where) {
        JsonNode get(String name) {
            JsonNode v = o.get(name);
            if (v == null || v.isNull()) {
                throw new SnapshotRefused(where + ": no field '" + name + "'");
            }
            return v;
        }

        long number(String name) {
            JsonNode v = get(name);
            if (!v.canConvertToExactIntegral() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new SnapshotRefused(where + ": '" + name + "' is not a whole number of 0 or more: " + v);
            }
            return v.asLong();
        }

        String text(String name) {
            JsonNode v = get(name);
            if (!v.isTextual()) {
                throw new SnapshotRefused(where + ": '" + name + "' is not a string: " + v);
            }
            return v.asText();
        }

        List<JsonNode> array(String name) {
            JsonNode v = get(name);
            if (!v.isArray()) {
                throw new SnapshotRefused(where + ": '" + name + "' is not an array");
            }
            List<JsonNode> out = new ArrayList<>();
            v.forEach(out::add);
            return out;
        }

        byte[] hex(String name) {
            return hex(get(name), name);
        }

        byte[] hex(JsonNode v, String name) {
            try {
                if (!v.isTextual()) {
                    throw new IllegalArgumentException("not a string");
                }
                return Bytes.fromHex(v.asText());
            } catch (IllegalArgumentException e) {
                throw new SnapshotRefused(where + ": '" + name + "' is not 0x hex: " + e.getMessage());
            }
        }
    }
}
