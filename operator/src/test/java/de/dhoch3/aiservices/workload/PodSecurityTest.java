package de.dhoch3.aiservices.workload;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.apps.AppTranslationTest;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Pod Security Standard "restricted" checks (kubernetes.io/docs/concepts/security/pod-security-standards),
 * applied to every app's pod with claim storage (hostPath needs the privileged level anyway). What
 * an app cannot meet is listed here, with the reason, and nothing else may fail.
 */
class PodSecurityTest {
  /** Per app: containers that run as root (the image needs it) and capabilities beyond restricted's NET_BIND_SERVICE. */
  private static final Map<App, List<String>> ROOT_CONTAINERS = Map.of(
      // yanwk/comfyui-boot runs as root in /root (VOLUME /root)
      App.COMFYUI, List.of("prepare", "app"),
      App.FORGE, List.of("prepare", "app"),
      App.FORGE_NEO, List.of("prepare", "app"),
      App.FOOOCUS, List.of("prepare"),
      // the entrypoint chowns INVOKEAI_ROOT as root, then gosu's to 1000; the registrar runs as the image's user
      App.INVOKEAI, List.of("prepare", "app", "model-registrar"),
      App.FLUXGYM, List.of("prepare"),
      // ostris/aitoolkit has no USER
      App.AI_TOOLKIT, List.of("prepare", "seed-database", "app"),
      App.CUSTOM, List.of("prepare", "app"));
  private static final Map<String, List<String>> EXTRA_CAPABILITIES = Map.of(
      // the prepare step makes folders and links and hands them to the app's user
      "prepare", List.of("CHOWN", "DAC_OVERRIDE"),
      "invokeai/app", List.of("CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID"),
      // root apps write into folders a host user made when a studio migrates (root without DAC_OVERRIDE cannot)
      "comfyui/app", List.of("DAC_OVERRIDE"), "forge/app", List.of("DAC_OVERRIDE"), "forge-neo/app", List.of("DAC_OVERRIDE"),
      "ai-toolkit/app", List.of("DAC_OVERRIDE"));

  static Stream<App> apps() {
    return Catalog.all().stream().map(p -> p.defaults().app());
  }

  @ParameterizedTest
  @MethodSource("apps")
  void everyPodMeetsTheRestrictedChecksButTheListedExceptions(App app) {
    AIService ai = AppTranslationTest.aiservice(app);
    StorageSpec storage = new StorageSpec();
    storage.models = VolumeRef.claim("studio-models");
    storage.data = VolumeRef.claim("studio-data");
    storage.user = VolumeRef.claim("studio-user");
    ai.getSpec().storage = storage;
    PodSpec pod = WorkloadBuilder.build(ai, OperatorConfig.defaults()).deployment().getSpec().getTemplate().getSpec();

    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostIPC()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getAutomountServiceAccountToken()).as("no API token in app pods").isFalse();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getHostPath()).as("restricted allows no hostPath").isNull());

    List<Container> all = new ArrayList<>(pod.getContainers());
    if (pod.getInitContainers() != null) {
      all.addAll(pod.getInitContainers());
    }
    for (Container c : all) {
      var sc = c.getSecurityContext();
      assertThat(sc).as(app + "/" + c.getName()).isNotNull();
      assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
      assertThat(sc.getAllowPrivilegeEscalation()).as(app + "/" + c.getName()).isFalse();
      assertThat(sc.getCapabilities().getDrop()).as(app + "/" + c.getName()).containsExactly("ALL");
      List<String> added = sc.getCapabilities().getAdd() == null ? List.of() : sc.getCapabilities().getAdd();
      List<String> allowed = EXTRA_CAPABILITIES.getOrDefault(app.value() + "/" + c.getName(),
          EXTRA_CAPABILITIES.getOrDefault(c.getName(), List.of()));
      assertThat(added).as(app + "/" + c.getName() + " capabilities").isSubsetOf(allowed);
      boolean nonRoot = Boolean.TRUE.equals(sc.getRunAsNonRoot()) || (sc.getRunAsUser() != null && sc.getRunAsUser() != 0);
      if (!ROOT_CONTAINERS.get(app).contains(c.getName())) {
        // runs as the image's non-root user: say so where the spec pins it, else the image's USER does
        assertThat(sc.getRunAsUser() == null || sc.getRunAsUser() != 0).as(app + "/" + c.getName() + " not root").isTrue();
      } else {
        assertThat(nonRoot).as(app + "/" + c.getName() + " is a listed root container").isFalse();
      }
    }
  }
}
