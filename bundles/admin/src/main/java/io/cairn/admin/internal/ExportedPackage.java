package io.cairn.admin.internal;

import org.osgi.framework.Version;

/** A package a resolved bundle exports, with the bundle that exports it. */
record ExportedPackage(String name, Version version, String exporter) {}
