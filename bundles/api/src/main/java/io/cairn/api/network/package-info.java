/** The network component: authenticated peers exchanging framed messages by topic. */
@org.osgi.annotation.versioning.Version("1.1.0")
@org.osgi.annotation.bundle.Export
package io.cairn.api.network;
