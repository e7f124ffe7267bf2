/**
 * What every consensus engine shares: when a block is due ({@link io.cairn.api.consensus.BlockTrigger}) and how
 * one is built and sealed ({@link io.cairn.api.consensus.Sealing}). Solo and PBFT use the same code, so a new
 * engine writes only its agreement protocol.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
@org.osgi.annotation.bundle.Export
package io.cairn.api.consensus;
