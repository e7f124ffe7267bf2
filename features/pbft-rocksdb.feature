# A profile: a consensus node of a multi-node chain (PBFT, block sync, RocksDB): the default of `init --nodes`.
include base
include storage-rocksdb
include consensus-pbft
include ledger-account
