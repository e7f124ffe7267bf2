@org.osgi.annotation.versioning.Version("1.3.0")
@org.osgi.annotation.bundle.Export
package io.cairn.api.storage;
