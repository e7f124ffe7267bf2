package io.cairn.snapshot.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Component;

/**
 * Where a join by state sync stands, for {@code getSyncStatus} (docs/rpc.md): a {@code Supplier<Map<String, Object>>}
 * (java.* types, which the RPC bundle shares without importing this one) with the service property
 * {@code cairn.status=join}. It answers null while no join runs in this node.
 */
@Component(service = {Supplier.class, JoinProgress.class}, property = "cairn.status=join")
public final class JoinProgress implements Supplier<Map<String, Object>> {
    /** The phases, in order. */
    static final String PEERS = "peers";
    static final String MANIFEST = "manifest";
    static final String CHUNKS = "chunks";
    static final String IMPORT = "import";

    private String phase;
    private long height = -1;
    private int peers;
    private int chunks;
    private int chunksDone;
    private long bytes;
    private long bytesDone;
    private long bytesPerSecond;

    /** A join began: it waits for its peers. */
    synchronized void begin() {
        phase = PEERS;
        height = -1;
        peers = chunks = chunksDone = 0;
        bytes = bytesDone = bytesPerSecond = 0;
    }

    synchronized void phase(String phase) {
        this.phase = phase;
    }

    /** The manifest was chosen: what the chunks phase fetches, and from how many peers. */
    synchronized void chosen(long height, int peers, int chunks, long bytes) {
        this.height = height;
        this.peers = peers;
        this.chunks = chunks;
        this.bytes = bytes;
        this.phase = CHUNKS;
    }

    synchronized void fetched(int chunksDone, long bytesDone, long bytesPerSecond) {
        this.chunksDone = chunksDone;
        this.bytesDone = bytesDone;
        this.bytesPerSecond = bytesPerSecond;
    }

    /** The join ended (imported, refused or failed): nothing to report any more. */
    synchronized void end() {
        phase = null;
    }

    @Override
    public synchronized Map<String, Object> get() {
        if (phase == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", phase);
        m.put("height", height);
        m.put("peers", peers);
        m.put("chunks", chunks);
        m.put("chunksDone", chunksDone);
        m.put("bytes", bytes);
        m.put("bytesDone", bytesDone);
        m.put("bytesPerSecond", bytesPerSecond);
        return m;
    }
}
