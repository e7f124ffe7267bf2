/**
 * The crypto suites and key files as plain Java, for the launcher and tools outside the framework (generating
 * keys, signing client transactions): they take the classes from the jar on their class path. Inside a node,
 * components use the CryptoSuite and NodeIdentity services, and the bundle exports nothing, as every engine:
 * updating cairn-crypto refreshes no other bundle, and no bundle can come to depend on its classes.
 */
package io.cairn.crypto;
