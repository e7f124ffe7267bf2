package io.cairn.shell.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.node.EngineInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Plain-text forms of chain data for the console: one "label  value" pair per line, tables aligned. */
final class ChainText {
    private static final int LABEL = 14;

    private final StringBuilder out = new StringBuilder();

    ChainText line(String label, Object value) {
        out.append(label);
        for (int i = label.length(); i < LABEL; i++) {
            out.append(' ');
        }
        out.append(value).append('\n');
        return this;
    }

    ChainText raw(String text) {
        out.append(text).append('\n');
        return this;
    }

    @Override
    public String toString() {
        // Gogo adds its own newline after a command's result.
        int end = out.length();
        while (end > 0 && out.charAt(end - 1) == '\n') {
            end--;
        }
        return out.substring(0, end);
    }

    /** The header fields, the seal count and the transaction hashes (null when they cannot be computed). */
    static String block(Block block, Hash hash, List<Hash> txHashes, String whyNoHashes) {
        BlockHeader h = block.header();
        ChainText t = new ChainText().line("block", h.number()).line("hash", hash == null ? "unknown" : hash.toHex())
                .line("parentHash", h.parentHash().toHex())
                .line("timestamp", h.timestamp() + " (" + Instant.ofEpochMilli(h.timestamp()) + ")")
                .line("version", h.version()).line("chainId", h.chainId()).line("txRoot", h.txRoot().toHex())
                .line("receiptRoot", h.receiptRoot().toHex()).line("stateRoot", h.stateRoot().toHex())
                .line("sealer", Bytes.toHex(h.sealer())).line("seals", block.seals().size())
                .line("transactions", block.transactions().size());
        if (txHashes != null) {
            int width = Integer.toString(Math.max(0, txHashes.size() - 1)).length();
            for (int i = 0; i < txHashes.size(); i++) {
                t.raw("  " + pad(Integer.toString(i), width) + "  " + txHashes.get(i).toHex());
            }
        } else if (!block.transactions().isEmpty()) {
            t.raw("  (hashes not shown: " + whyNoHashes + ")");
        }
        return t.toString();
    }

    /** A ledger model's fields of a transaction, in its order, or why they cannot be shown. */
    record Fields(Map<String, Object> fields, String whyNone) {
        static Fields of(Map<String, Object> fields) {
            return new Fields(fields, null);
        }

        static Fields none(String why) {
            return new Fields(null, why);
        }
    }

    /**
     * A transaction and where it is: in a block (with its receipt) or pending in the pool. The envelope's fields,
     * then the ledger model's ({@code LedgerModel.describe}, in its order), then the signers.
     *
     * @param signers the signers' addresses in envelope order, or null when they cannot be computed
     * @param where   "block N (0x..) index I" or "pending in pool"
     * @param receipt null while pending
     */
    static String transaction(Hash hash, Envelope env, List<Address> signers, Fields fields, String where,
            Receipt receipt) {
        ChainText t = new ChainText().line("transaction", hash.toHex()).line("location", where)
                .line("version", env.version()).line("chainId", Long.toUnsignedString(env.chainId()))
                .line("ledger", Envelope.ledgerName(env.ledger()));
        if (fields.fields() != null) {
            for (Map.Entry<String, Object> f : fields.fields().entrySet()) {
                t.line(f.getKey(), text(f.getValue()));
            }
        } else {
            t.line("body", Bytes.toHex(env.body()));
            t.raw("  (fields not shown: " + fields.whyNone() + ")");
        }
        List<byte[]> keys = env.publicKeys();
        for (int i = 0; i < keys.size(); i++) {
            t.line(keys.size() == 1 ? "signer" : "signer " + i,
                    signers == null ? "unknown address, public key " + Bytes.toHex(keys.get(i)) : signers.get(i).toHex());
        }
        if (receipt != null) {
            t.line("status", receipt.status().name() + " (" + receipt.status().code + ")");
            if (!receipt.message().isEmpty()) {
                t.line("message", receipt.message());
            }
        }
        return t.toString();
    }

    /** A model's JSON value as one line: strings bare, lists in brackets, objects in braces. */
    static String text(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(b.length() == 1 ? "" : ", ").append(e.getKey()).append(": ").append(text(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder b = new StringBuilder("[");
            for (Object e : l) {
                b.append(b.length() == 1 ? "" : ", ").append(text(e));
            }
            return b.append(']').toString();
        }
        return String.valueOf(v);
    }

    static String components(List<EngineInfo> engines) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"COMPONENT", "ENGINE", "BUNDLE", "VERSION", "ID", "READY", "DETAIL"});
        for (EngineInfo e : engines) {
            rows.add(new String[] {e.component(), dash(e.engine()), dash(e.bundle()), dash(e.version()),
                    e.bundleId() < 0 ? "-" : Long.toString(e.bundleId()), e.ready() ? "yes" : "no", dash(e.detail())});
        }
        return table(rows);
    }

    /** Columns padded to their widest cell; the last column is not padded. */
    static String table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        ChainText t = new ChainText();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                line.append(c == cols - 1 ? r[c] : pad(r[c], width[c]) + "  ");
            }
            t.raw(line.toString().stripTrailing());
        }
        return t.toString();
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
