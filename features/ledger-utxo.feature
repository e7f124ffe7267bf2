# The UTXO ledger model: coins spent by their owners' signatures, burnt fees, a lattice-hash state root.
provides ledger-model utxo
bundle cairn-ledger-utxo
