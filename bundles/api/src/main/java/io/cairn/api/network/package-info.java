/** The network component: authenticated peers exchanging framed messages by topic; one reputation of peers. */
@org.osgi.annotation.versioning.Version("1.2.0")
@org.osgi.annotation.bundle.Export
package io.cairn.api.network;
