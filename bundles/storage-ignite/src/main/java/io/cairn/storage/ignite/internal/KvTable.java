package io.cairn.storage.ignite.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.ignite.cache.query.SqlFieldsQuery;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.IgniteClient;

/**
 * The kv cache's SQL table on the servers ({@code cairn_<namespace>.KV}), read in pages in unsigned key order:
 * rows for range scans, keys only for the key filter, and one empty scan to have the servers plan the query. Its
 * primary-key index is kept sorted by the servers. (Ignite's IndexQuery on the same index failed on caches a node
 * created, "typeDesc is null", so pages are keyset SQL.)
 */
final class KvTable {
    /** Rows per page of a range scan. */
    static final int PAGE = 512;
    /** Keys per page when the key filter is filled at the start. */
    private static final int KEY_PAGE = 4096;
    private static final System.Logger LOG = System.getLogger(IgniteStore.class.getName());

    private final IgniteClient client;
    /** The kv cache's name, for messages. */
    private final String name;
    /** The table's SQL schema: {@code cairn_<namespace>}. */
    private final String schema;

    KvTable(IgniteClient client, String kvCacheName) {
        this.client = client;
        this.name = kvCacheName;
        this.schema = kvCacheName.substring(0, kvCacheName.length() - "_kv".length());
    }

    /**
     * One page of a range scan, {@link #PAGE} rows of {@code [key, entry]} at most: the keys from {@code from} (or
     * after {@code after}, the last key of the page before) below {@code to}; fewer rows is the last page.
     */
    List<List<?>> rows(byte[] from, byte[] to, byte[] after) {
        return client.query(pageQuery("K, V", from, to, after, PAGE)).getAll();
    }

    /**
     * Reads every key the table holds into {@code keys}, in pages of keys only, then lets the filter answer for
     * absent keys. Retried (paced by {@code pace}) while the cluster does not answer; given up when {@code closed}.
     */
    void fill(KeyFilter keys, BooleanSupplier closed, Runnable pace) {
        long t0 = System.nanoTime();
        long count = 0;
        byte[] after = null;
        while (!closed.getAsBoolean()) {
            try {
                byte[] from = after;
                List<List<?>> rows = client.query(pageQuery("K", null, null, from, KEY_PAGE)).getAll();
                for (List<?> row : rows) {
                    after = (byte[]) row.get(0);
                    keys.add(after);
                }
                count += rows.size();
                if (rows.size() < KEY_PAGE) {
                    keys.complete();
                    LOG.log(System.Logger.Level.INFO, "storage-ignite: read " + count + " keys of " + name + " in "
                            + (System.nanoTime() - t0) / 1000_000 + " ms; a key it does not hold is now absent without "
                            + "a round trip (filter of " + keys.bytes() / 1024 + " KiB)");
                    return;
                }
            } catch (ClientException e) {
                pace.run(); // absent keys are asked of the cluster meanwhile
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "storage-ignite: reading the keys of " + name + " failed; every "
                        + "read goes to the cluster: " + e);
                return;
            }
        }
    }

    /**
     * Runs one empty range scan, so that the servers have planned the scan query before the node's components
     * first scan: the first query on a new namespace took 6 to 11 s on two loaded cores, and the block store
     * scans in the method that binds it, where a slow call holds up every component waiting for the block store.
     * A failed attempt (a server busy creating another node's caches) is made again, twice; then it is left to the
     * first real scan.
     */
    void warmUp(BooleanSupplier closed) {
        for (int attempt = 1; attempt <= 3 && !closed.getAsBoolean(); attempt++) {
            try {
                client.query(pageQuery("K, V", new byte[] {0}, new byte[] {0}, null, 1)).getAll();
                return;
            } catch (ClientException e) {
                LOG.log(System.Logger.Level.INFO, "storage-ignite: planning the range scan on " + name
                        + " failed (attempt " + attempt + "): " + e.getMessage());
            }
        }
    }

    private SqlFieldsQuery pageQuery(String columns, byte[] from, byte[] to, byte[] after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT ").append(columns).append(" FROM ").append(schema)
                .append(".KV WHERE ");
        List<Object> args = new ArrayList<>();
        if (after != null) {
            sql.append("K > ?");
            args.add(after);
        } else {
            sql.append("K >= ?");
            args.add(from == null ? new byte[0] : from);
        }
        if (to != null) {
            sql.append(" AND K < ?");
            args.add(to);
        }
        sql.append(" ORDER BY K LIMIT ").append(limit);
        return new SqlFieldsQuery(sql.toString()).setArgs(args.toArray());
    }
}
