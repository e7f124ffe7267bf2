package io.cairn.api.sync;

import io.cairn.api.node.Component;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The sync component: fetches blocks this node lacks from several peers at once, checks their seals
 * against the genesis sealers, executes and commits them; serves its blocks to peers that lag.
 */
@ProviderType
public interface BlockSync extends Component {
    /** For getSyncStatus and the shell. */
    SyncStatus status();
}
