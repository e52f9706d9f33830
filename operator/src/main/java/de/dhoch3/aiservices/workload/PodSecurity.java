package de.dhoch3.aiservices.workload;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.util.List;

/**
 * The security settings of every app pod: the RuntimeDefault seccomp profile, no privilege
 * escalation, every capability dropped and only what an image's entrypoint needs added back
 * (stated per app in the catalog), no service-account token. Pure.
 */
final class PodSecurity {
  private PodSecurity() {}

  static PodSecurityContext pod() {
    return new PodSecurityContextBuilder().withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build();
  }

  /** The app (and its sidecars): {@code uid} null keeps the image's user. */
  static SecurityContext container(Long uid, List<String> capabilities) {
    SecurityContextBuilder builder = new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities().withDrop("ALL").withAdd(capabilities.isEmpty() ? null : capabilities).endCapabilities();
    if (uid != null) {
      builder.withRunAsUser(uid);
    }
    if (uid != null && uid != 0) {
      builder.withRunAsNonRoot(true);
    }
    return builder.build();
  }

  /** The prepare step: root, but only allowed to make folders and links and hand them to the app's user. */
  static SecurityContext prepareStep() {
    return new SecurityContextBuilder()
        .withRunAsUser(0L)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").withAdd("CHOWN", "DAC_OVERRIDE").endCapabilities()
        .build();
  }
}
