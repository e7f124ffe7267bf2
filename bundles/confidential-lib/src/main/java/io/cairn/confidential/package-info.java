/**
 * Confidential amounts (docs/privacy.md): Pedersen commitments on a chain's curve with generators hashed to it, and
 * aggregated Bulletproofs range proofs. A library without services: the private ledger model verifies with it, the
 * wallet proves with it.
 */
@org.osgi.annotation.versioning.Version("1.1.0")
@org.osgi.annotation.bundle.Export
package io.cairn.confidential;
