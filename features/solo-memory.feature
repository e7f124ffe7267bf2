# A profile: one sealing node, chain kept in memory (tests and demos).
include base
include storage-memory
include consensus-solo
include ledger-account
