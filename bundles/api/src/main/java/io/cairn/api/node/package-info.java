@org.osgi.annotation.versioning.Version("3.7.0")
@org.osgi.annotation.bundle.Export
package io.cairn.api.node;
