# One sealing node, chain kept in RocksDB under the node home: the default profile.
include base

# The native library wrapper first and never updated, so the .so is mapped once per JVM.
bundle cairn-rocksdb-lib
bundle cairn-storage-rocksdb
bundle cairn-consensus-solo

config io.cairn.storage.rocksdb path=data/chain
config io.cairn.storage.rocksdb cacheMb=128
config io.cairn.storage.rocksdb sync=false
config io.cairn.consensus.solo blockTxs=2000
# Clients are admitted until a full block waits: below blockTxs the sealer would idle intervalMs per block.
config io.cairn.txpool admitFloor=2500
config io.cairn.consensus.solo intervalMs=500
config io.cairn.consensus.solo emptyBlocks=false
