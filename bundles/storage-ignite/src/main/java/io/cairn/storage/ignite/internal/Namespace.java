package io.cairn.storage.ignite.internal;

import java.util.LinkedHashMap;
import java.util.regex.Pattern;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cache.QueryEntity;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientCacheConfiguration;
import org.apache.ignite.client.IgniteClient;

/**
 * One node's caches on a shared storage cluster: {@code cairn_<namespace>_kv}, {@code _history} and {@code _meta}
 * (docs/storage.md). Created on first use with the configured number of backups, and written synchronously to
 * primaries and backups, so that a read after a write sees it on whichever server answers: {@code meta} (the log,
 * {@code version}) transactional, {@code kv} and {@code history} atomic (the applier's writes to them are made
 * visible by moving {@code version}, see {@link Applier}).
 */
final class Namespace {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,40}");

    private Namespace() {}

    /** Null when {@code ns} is a valid namespace, else what is wrong with it. */
    static String problem(String ns) {
        if (ns == null || !NAME.matcher(ns).matches()) {
            return "namespace '" + ns + "' must be 1 to 40 of a-z, 0-9 and _";
        }
        return null;
    }

    static IgniteStore.Caches open(IgniteClient client, String ns, int backups) {
        ClientCache<byte[], byte[]> kv = client.getOrCreateCache(config(ns, "kv", backups, CacheAtomicityMode.ATOMIC)
                .setSqlSchema("cairn_" + ns).setQueryEntities(entries()));
        ClientCache<byte[], byte[]> history = client.getOrCreateCache(config(ns, "history", backups,
                CacheAtomicityMode.ATOMIC));
        ClientCache<String, Object> meta = client.getOrCreateCache(config(ns, "meta", backups,
                CacheAtomicityMode.TRANSACTIONAL));
        return new IgniteStore.Caches(kv, history, meta);
    }

    static String cacheName(String ns, String part) {
        return "cairn_" + ns + "_" + part;
    }

    private static ClientCacheConfiguration config(String ns, String part, int backups, CacheAtomicityMode mode) {
        return new ClientCacheConfiguration().setName(cacheName(ns, part))
                .setCacheMode(CacheMode.PARTITIONED)
                .setAtomicityMode(mode)
                .setBackups(backups)
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
                // chain keys are 10 to 41 bytes: compared inside the index pages rather than row by row
                .setSqlIndexMaxInlineSize(48);
    }

    /** The SQL table whose primary-key index orders the keys: (k VARBINARY key, v VARBINARY). */
    private static QueryEntity entries() {
        QueryEntity e = new QueryEntity(byte[].class.getName(), IgniteStore.ENTRY_TYPE);
        LinkedHashMap<String, String> fields = new LinkedHashMap<>();
        fields.put("k", byte[].class.getName());
        fields.put("v", byte[].class.getName());
        e.setFields(fields);
        e.setKeyFieldName("k");
        e.setValueFieldName("v");
        e.setTableName("KV");
        return e;
    }
}
