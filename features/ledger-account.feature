# The account ledger model: balances and nonces, signed transfers, a lattice-hash state root.
provides ledger-model account
bundle cairn-ledger-account
