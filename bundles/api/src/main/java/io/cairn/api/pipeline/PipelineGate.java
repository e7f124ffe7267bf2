package io.cairn.api.pipeline;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The block boundary at which an upgrade pauses the pipeline. A consensus engine brackets the making
 * of each block (take transactions, execute, commit) with {@link #tryEnter()} and {@link #exit()};
 * while the gate is closed it makes no block and keeps its transactions. Provided by a stable core
 * bundle (cairn-admin), so it survives the replacement of any engine; with no gate, consensus runs.
 */
@ProviderType
public interface PipelineGate {
    /** True if a block may be made now; then {@link #exit()} must follow once it is committed or abandoned. */
    boolean tryEnter();

    void exit();
}
