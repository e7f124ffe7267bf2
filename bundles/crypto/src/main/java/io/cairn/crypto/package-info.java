/**
 * The crypto suites and key files as plain Java, for the launcher and tools outside the framework (generating
 * keys, signing client transactions). Inside a node, components use the CryptoSuite and NodeIdentity services;
 * no bundle imports this package, so updating cairn-crypto still refreshes no other bundle.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
@org.osgi.annotation.bundle.Export
package io.cairn.crypto;
