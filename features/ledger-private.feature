# The private ledger model: coins whose amounts are Pedersen commitments, each transfer carrying a Bulletproofs
# range proof and a kernel signature (docs/privacy.md). The confidential library is never updated in a running node.
provides ledger-model private
bundle cairn-confidential-lib
bundle cairn-ledger-private
