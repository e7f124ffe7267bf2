# Storage in memory: for tests and demos; the chain is gone when the node stops.
provides storage memory
bundle cairn-storage-memory
