package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.apps.AppLayout;
import de.dhoch3.aiservices.apps.ContainerPaths;

/** Where a container path lies in the app's data folder, if it does. Pure. */
final class DataTargets {
  private DataTargets() {}

  /** The path relative to the data folder (serviceDir), or null when the target is not on the data volume. */
  static String relative(String target, ContainerPaths paths, AppLayout layout) {
    if (paths.data() != null && target.startsWith(paths.data() + "/")) {
      return target.substring(paths.data().length() + 1);
    }
    for (AppLayout.DataMount mount : layout.dataMounts) {
      if (target.startsWith(mount.target() + "/")) {
        return mount.source() + "/" + target.substring(mount.target().length() + 1);
      }
    }
    return null;
  }
}
