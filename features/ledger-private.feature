# The private ledger model: coins whose amounts are Pedersen commitments, each transfer carrying a Bulletproofs
# range proof and a kernel signature (docs/privacy.md). The confidential library is never updated in a running node.
provides ledger-model private
bundle cairn-confidential-lib
bundle cairn-ledger-private

# Admission waits for each transaction's range proof, checked in batches of the proofs arriving together: the
# JSON-RPC server runs more calls of a batch at once so that more proofs arrive together (they wait, not compute).
config io.cairn.rpc workerThreads=16

# On a PBFT chain every node checks every proof: smaller blocks, and more time before a view change, keep a follower
# that checks a block's unseen proofs within the view (measured: 34 tx/s with 5000-transaction blocks and a 3 s view
# timeout, up to 67 tx/s with these, four nodes and the load on two cores). A solo node ignores them.
config io.cairn.consensus.pbft blockTxs=500
config io.cairn.consensus.pbft viewTimeoutMs=10000

# Each transaction costs every node a range proof check (about 1 ms in a batch): a client waits at the door rather than
# in a pool holding more than a few seconds of blocks. The limit follows the chain's commit rate (2 s of it), from a
# floor of 400. Measured on two cores, a 60 s window on fresh nodes: four PBFT nodes 102 tx/s with p50 latency 6.9 s
# (100 tx/s and 34.6 s with the usual 400 ms of work from a floor of 1500); a single node keeps its rate (a floor of
# 400 alone halved it).
config io.cairn.txpool admitFloor=400
config io.cairn.txpool admitQueueMs=2000
