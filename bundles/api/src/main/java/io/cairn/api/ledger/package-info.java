/**
 * The ledger model's contract with the rest of the node: the keys a transaction consumes and produces (which
 * the pool orders and de-conflicts by, knowing no model), the pool's pending view a model reads on admission,
 * and the queries a model adds to the node's JSON-RPC.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package io.cairn.api.ledger;
