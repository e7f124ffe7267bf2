# The private ledger model: coins whose amounts are Pedersen commitments, each transfer carrying a Bulletproofs
# range proof and a kernel signature (docs/privacy.md). The confidential library is never updated in a running node.
provides ledger-model private
bundle cairn-confidential-lib
bundle cairn-ledger-private

# Admission waits for each transaction's range proof, checked in batches of the proofs arriving together: the
# JSON-RPC server runs more calls of a batch at once so that more proofs arrive together (they wait, not compute).
config io.cairn.rpc workerThreads=16
