package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.apps.AppLayout;
import de.dhoch3.aiservices.apps.ContainerPaths;
import de.dhoch3.aiservices.storage.StorageResolver;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The app container's mounts: the studio's base layout plus what the app's translation adds. */
final class Mounts {
  private Mounts() {}

  static List<VolumeMount> of(ResolvedSpec resolved, ContainerPaths paths, AppLayout layout) {
    StorageResolver.Roots roots = resolved.roots();
    String serviceDir = resolved.serviceDir();
    List<VolumeMount> mounts = new ArrayList<>();
    if (paths.models() != null) {
      mounts.add(roots.models().mount("", paths.models(), true));
    }
    if (paths.data() != null) {
      mounts.add(roots.data().mount(serviceDir, paths.data(), false));
    }
    if (paths.output() != null) {
      mounts.add(roots.user().mount("output/" + serviceDir, paths.output(), false));
    }
    if (paths.input() != null) {
      mounts.add(roots.user().mount("input", paths.input(), true));
    }
    if (paths.workflows() != null) {
      mounts.add(roots.user().mount("workflows", paths.workflows(), false));
    }
    // the store is read-only whatever the translation asks for
    layout.storeMounts.forEach(m -> mounts.add(roots.models().mount(m.source(), m.target(), true)));
    layout.dataMounts.forEach(m -> mounts.add(roots.data().mount(serviceDir + "/" + m.source(), m.target(), false)));
    layout.userMounts.forEach(m -> mounts.add(roots.user().mount(m.source(), m.target(), m.readOnly())));
    mounts.addAll(layout.extraAppMounts);
    layout.configFiles.stream().filter(f -> f.mountPath() != null).forEach(f -> mounts.add(new VolumeMountBuilder()
        .withName(WorkloadBuilder.CONFIG_VOLUME).withMountPath(f.mountPath()).withSubPath(f.key()).withReadOnly(true).build()));

    Set<String> seen = new HashSet<>();
    for (VolumeMount mount : mounts) {
      if (!seen.add(mount.getMountPath())) {
        throw new InvalidSpecException("spec.models",
            "two mounts land on " + mount.getMountPath() + "; give each file or folder its own target (check spec.models.files/mounts and spec.container paths)");
      }
    }
    return mounts;
  }
}
