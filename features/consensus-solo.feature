# One sealing node: this node alone makes every block.
provides consensus solo
sealers 1..1
bundle cairn-consensus-solo

config io.cairn.consensus.solo blockTxs=2000
config io.cairn.consensus.solo intervalMs=500
config io.cairn.consensus.solo emptyBlocks=false
# Clients are admitted until a full block waits: below blockTxs the sealer would idle intervalMs per block.
config io.cairn.txpool admitFloor=2500
