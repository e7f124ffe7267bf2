# Storage on an Apache Ignite storage cluster (`cairn storage up`): the node's state can outgrow one machine, and
# servers are added while the chain runs. The thin client's library comes first and is never updated.
# `cairn init --storage-endpoints` fills in the endpoints; each node sharing a cluster has its own namespace.
provides storage ignite
bundle cairn-ignite-lib
bundle cairn-storage-ignite

config io.cairn.storage.ignite endpoints=
config io.cairn.storage.ignite namespace=node
config io.cairn.storage.ignite backups=1
config io.cairn.storage.ignite timeoutMs=15000
config io.cairn.storage.ignite passwordFile=
config io.cairn.storage.ignite user=ignite
