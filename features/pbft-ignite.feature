# A profile: a consensus node of a multi-node chain (PBFT, block sync) whose chain is kept on a storage cluster;
# the nodes of one chain may share one cluster, each in its own namespace.
include base
include storage-ignite
include consensus-pbft
include ledger-account
