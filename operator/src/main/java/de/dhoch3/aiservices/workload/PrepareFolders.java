package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.apps.AppLayout;
import de.dhoch3.aiservices.apps.ContainerPaths;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.List;

/**
 * An init container that readies the app's writable folders: kubelet creates missing hostPath
 * sub-folders as root 0755 and hostPath ignores fsGroup, so a non-root app could not write its
 * own data or outputs. It also runs the profile's own preparation (e.g. create a database file).
 */
final class PrepareFolders {
  static final String NAME = "prepare-folders";
  static final String OUTPUT = "/aiservice/output";

  private PrepareFolders() {}

  /** Null when there is nothing to prepare. */
  static Container container(String image, ResolvedSpec resolved, ContainerPaths paths, AppLayout layout, Long uid) {
    List<String> commands = new ArrayList<>(layout.prepareCommands);
    List<VolumeMount> mounts = new ArrayList<>();
    List<String> owned = new ArrayList<>();
    mounts.add(resolved.roots().data().mount(resolved.serviceDir(), AppLayout.PREPARE_DATA, false));
    owned.add(AppLayout.PREPARE_DATA);
    if (paths.output() != null) {
      mounts.add(resolved.roots().user().mount("output/" + resolved.serviceDir(), OUTPUT, false));
      owned.add(OUTPUT);
    }
    int i = 0;
    for (AppLayout.UserMount user : layout.userMounts) {
      if (!user.readOnly()) {
        String path = "/aiservice/user-" + i++;
        mounts.add(resolved.roots().user().mount(user.source(), path, false));
        owned.add(path);
      }
    }
    if (uid != null && uid != 0) {
      // not recursive: only the folders kubelet created; what the app writes is already its own
      commands.add("chown " + uid + ":" + uid + " " + String.join(" ", owned));
    }
    if (commands.isEmpty()) {
      return null;
    }
    return new ContainerBuilder()
        .withName(NAME)
        .withImage(image)
        .withCommand("sh", "-c", String.join(" && ", commands))
        .withVolumeMounts(mounts)
        .withNewSecurityContext().withRunAsUser(0L).endSecurityContext()
        .build();
  }
}
