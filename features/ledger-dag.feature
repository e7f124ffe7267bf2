# The DAG ledger model: a block-lattice (one chain per account, send/receive pairs), blocks executed in parallel.
provides ledger-model dag
bundle cairn-ledger-dag
