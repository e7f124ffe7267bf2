@org.osgi.annotation.versioning.Version("3.8.0")
@org.osgi.annotation.bundle.Export
package io.cairn.api.node;
