package io.cairn.api.node;

import org.osgi.annotation.versioning.ProviderType;

/** The rpc component. */
@ProviderType
public interface RpcServer extends Component {
    /** The bound HTTP endpoint, e.g. {@code http://127.0.0.1:20200}, or null when not listening. */
    String endpoint();
}
