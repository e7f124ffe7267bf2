package io.cairn.admin.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * What to do on start after a node died in the middle of an upgrade: keep exactly one version of the
 * component's bundle, the old one when it is still installed (the upgrade never committed), else the new
 * one when the old is gone, else reinstall the old one from the archive.
 */
record Recovery(BundleFacts keep, List<BundleFacts> uninstall, boolean reinstallOld) {

    static Recovery decide(UpgradeJournal.Entry unfinished, List<BundleFacts> installed) {
        UpgradeJournal.Side from = unfinished.from();
        UpgradeJournal.Side to = unfinished.to();
        BundleFacts old = find(installed, from);
        BundleFacts neu = find(installed, to);
        List<BundleFacts> drop = new ArrayList<>();
        if (old != null) {
            if (neu != null && neu.id() != old.id()) {
                drop.add(neu);
            }
            return new Recovery(old, drop, false);
        }
        if (neu != null) {
            return new Recovery(neu, drop, false);
        }
        return new Recovery(null, drop, !from.isNone());
    }

    private static BundleFacts find(List<BundleFacts> installed, UpgradeJournal.Side side) {
        if (side.isNone()) {
            return null;
        }
        for (BundleFacts b : installed) {
            if (b.bsn().equals(side.bsn()) && b.version().toString().equals(side.version())) {
                return b;
            }
        }
        return null;
    }
}
