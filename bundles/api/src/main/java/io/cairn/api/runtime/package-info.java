/**
 * Node infrastructure every engine uses and none owns: threads, metrics, the node home. Provided by the stable
 * core bundle (cairn-core), which is never swapped, so that what engines record survives their replacement.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
@org.osgi.annotation.bundle.Export
package io.cairn.api.runtime;
