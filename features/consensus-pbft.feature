# PBFT among the genesis sealers, over mutually authenticated TLS (each node needs the chain CA's certificate
# for its key: `cairn init --nodes N` issues them), with block sync for nodes that fall behind.
provides consensus pbft
sealers 1..
chain
bundle cairn-network-netty
bundle cairn-sync
bundle cairn-consensus-pbft

config io.cairn.network host=127.0.0.1
config io.cairn.network port=30300
config io.cairn.network caCert=keys/tls/ca.crt
config io.cairn.network nodeCert=keys/tls/node.crt
config io.cairn.network nodeKey=keys/tls/node.key
config io.cairn.consensus.pbft blockTxs=5000
config io.cairn.consensus.pbft intervalMs=200
config io.cairn.consensus.pbft viewTimeoutMs=3000
