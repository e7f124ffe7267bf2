# A profile: one sealing node, chain kept in RocksDB under the node home (the default single node).
include base
include storage-rocksdb
include consensus-solo
include ledger-account
