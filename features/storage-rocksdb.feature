# Storage on RocksDB under the node home: the default. The native library wrapper comes first and is never
# updated, so the .so is mapped once per JVM.
provides storage rocksdb
bundle cairn-rocksdb-lib
bundle cairn-storage-rocksdb

config io.cairn.storage.rocksdb path=data/chain
config io.cairn.storage.rocksdb cacheMb=128
config io.cairn.storage.rocksdb sync=false
