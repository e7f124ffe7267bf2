/** Pipeline control for upgrades; its own package so that adding to it never forces the engines that provide io.cairn.api.node to be rebuilt. */
@org.osgi.annotation.versioning.Version("1.0.0")
@org.osgi.annotation.bundle.Export
package io.cairn.api.pipeline;
