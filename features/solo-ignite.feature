# A profile: one sealing node whose chain is kept on a storage cluster (cairn storage up).
include base
include storage-ignite
include consensus-solo
include ledger-account
