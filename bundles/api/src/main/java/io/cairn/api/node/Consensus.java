package io.cairn.api.node;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/** The consensus component: decides the next block and commits it through the block store. */
@ProviderType
public interface Consensus extends Component {
    /** Engine name, e.g. {@code solo} or {@code pbft}. */
    String engine();

    /** Engine-specific status for getConsensusStatus and the shell. */
    Map<String, Object> status();
}
