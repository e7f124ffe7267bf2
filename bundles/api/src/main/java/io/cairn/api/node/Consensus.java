package io.cairn.api.node;

import org.osgi.annotation.versioning.ProviderType;

/** The consensus component: decides the next block and commits it through the block store. */
@ProviderType
public interface Consensus extends Component {
    /** Engine name, e.g. {@code solo} or {@code pbft}. */
    String engine();

    /** For getConsensusStatus and the shell. */
    ConsensusStatus status();
}
