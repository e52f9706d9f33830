package de.dhoch3.aiservices.storage;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

/**
 * One resolved storage root (models, data or user) as a pod volume, plus the folder inside that
 * volume that acts as the root. Every mount is a subPath below that folder.
 */
public record StorageRoot(String volumeName, String hostPath, String claimName, String basePath, boolean readOnlyVolume) {

  /** The pod volume. hostPath roots must exist (type Directory): a typo must not create an empty store. */
  public Volume volume() {
    VolumeBuilder builder = new VolumeBuilder().withName(volumeName);
    if (hostPath != null) {
      builder.withNewHostPath().withPath(hostPath).withType("Directory").endHostPath();
    } else {
      builder.withNewPersistentVolumeClaim().withClaimName(claimName).withReadOnly(readOnlyVolume ? true : null).endPersistentVolumeClaim();
    }
    return builder.build();
  }

  /** A mount of {@code relative} (already normalised; "" for the root itself) at {@code mountPath}. */
  public VolumeMount mount(String relative, String mountPath, boolean readOnly) {
    String subPath = SafePaths.join(basePath, relative);
    VolumeMountBuilder builder =
        new VolumeMountBuilder().withName(volumeName).withMountPath(mountPath).withSubPath(subPath.isEmpty() ? null : subPath);
    if (readOnly || readOnlyVolume) {
      // read-only for submounts too where the kubelet and kernel support it
      builder.withReadOnly(true).withRecursiveReadOnly("IfPossible");
    }
    return builder.build();
  }

}
