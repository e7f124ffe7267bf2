# The bundles every Cairn node runs, in start order: OSGi services runtime (DS, ConfigAdmin,
# FileInstall), the Gogo shell, wrapped libraries, then the Cairn engines every node has. A node is
# this plus one engine feature per component it chooses (`cairn init --storage --consensus --ledger`):
# storage-*, consensus-*, ledger-*. The profiles (solo-rocksdb, ...) are named compositions of them.

# DS needs these three as bundles, or SCR does not start.
bundle org.osgi.util.function
bundle org.osgi.util.promise
bundle org.osgi.service.component
bundle org.apache.felix.scr
bundle org.apache.felix.configadmin
bundle org.apache.felix.fileinstall
bundle org.apache.felix.gogo.runtime
bundle org.apache.felix.gogo.command
bundle org.apache.felix.gogo.shell

# Libraries: never swapped, so JVM-global state (BC provider, Netty event loops) lives here.
bundle bcprov-jdk18on
bundle jackson-core
bundle jackson-annotations
bundle jackson-databind
bundle netty-common
bundle netty-buffer
bundle netty-resolver
bundle netty-transport
bundle netty-transport-native-unix-common
bundle netty-codec-base
# netty-codec-http 4.2 imports io.netty.handler.codec.compression without resolution:=optional.
bundle netty-codec-compression
bundle netty-handler
bundle netty-codec-http
# SSH for the remote shell; slf4j-simple is a fragment of slf4j-api (1.7: no ServiceLoader mediator needed).
bundle slf4j-api
bundle slf4j-simple
bundle sshd-osgi
# libsecp256k1 for secp256k1 verification (optional for cairn-crypto; never swapped: a native library maps once).
bundle cairn-secp256k1-lib

# Metrics: the Prometheus Java client (javax.annotation 3.x is imported by every one of its bundles).
bundle jsr305
bundle prometheus-metrics-config
bundle prometheus-metrics-model
bundle prometheus-metrics-tracer-common
bundle prometheus-metrics-core
bundle prometheus-metrics-exposition-textformats
bundle prometheus-metrics-instrumentation-jvm

bundle cairn-api
# The stable core, never swapped: threads, metrics, peer reputation, engine records.
bundle cairn-core
bundle cairn-crypto
bundle cairn-ledger
# The rules in force: each block's ledger model and block format by the chain's upgrade schedule, and the
# governance transactions.
bundle cairn-rules
bundle cairn-block-format
bundle cairn-executor
bundle cairn-txpool
bundle cairn-rpc-jsonrpc
bundle cairn-shell
bundle cairn-admin
# Snapshots of the chain's state (docs/snapshots.md); zstd compresses their chunks.
bundle zstd-jni
bundle cairn-snapshot
bundle cairn-ssh

# Defaults written to etc/<pid>.cfg by `cairn init` (docs/architecture.md, Configuration).
config io.cairn.crypto suite=secp256k1
config io.cairn.crypto nodeKey=keys/node.key
config io.cairn.chain genesis=etc/genesis.properties
config io.cairn.txpool capacity=200000
config io.cairn.txpool maxNonceGap=1000
# Admission control: clients get POOL_FULL (retry) beyond ~400 ms of work at the chain's recent commit rate.
config io.cairn.txpool admitQueueMs=400
config io.cairn.txpool admitFloor=1500
config io.cairn.rules minLeadBlocks=20
config io.cairn.rpc host=127.0.0.1
config io.cairn.rpc port=20200
config io.cairn.rpc maxRequestBytes=8388608
config io.cairn.rpc maxBatch=2000
