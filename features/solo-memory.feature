# One sealing node, chain kept in memory: for tests and demos; the chain is gone when the node stops.
include base

bundle cairn-storage-memory
bundle cairn-consensus-solo

config io.cairn.consensus.solo blockTxs=2000
# Clients are admitted until a full block waits: below blockTxs the sealer would idle intervalMs per block.
config io.cairn.txpool admitFloor=2500
config io.cairn.consensus.solo intervalMs=500
config io.cairn.consensus.solo emptyBlocks=false
