/**
 * Bitcoin Core's libsecp256k1 for secp256k1 ECDSA verification and point arithmetic, when the platform's native library
 * loads.
 */
@org.osgi.annotation.versioning.Version("1.1.0")
package io.cairn.secp256k1;
