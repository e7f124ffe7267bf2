@org.osgi.annotation.versioning.Version("2.2.0")
@org.osgi.annotation.bundle.Export
package io.cairn.api.chain;
