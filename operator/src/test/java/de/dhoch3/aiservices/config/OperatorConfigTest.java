package de.dhoch3.aiservices.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.dhoch3.aiservices.api.GpuSpec;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {

  private static OperatorConfig parse(String yaml) {
    return OperatorConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "config.yaml");
  }

  @Test
  void withoutAFileTheStudioLayoutIsTheDefault() {
    OperatorConfig config = parse("");
    assertThat(config.storage.models.hostPath).isEqualTo("/vol/service/cw/storage-models/models");
    assertThat(config.storage.data.hostPath).isEqualTo("/vol/service/cw/storage");
    assertThat(config.storage.user.hostPath).isEqualTo("/vol/service/cw/storage-user");
    assertThat(config.storage.roots.models).containsExactly("/vol/service/cw/storage-models");
    assertThat(config.storage.roots.data).containsExactly("/vol/service/cw/storage");
    assertThat(config.storage.roots.user).containsExactly("/vol/service/cw/storage-user");
    assertThat(config.policy.allowUnmanagedGpu).isFalse();
    assertThat(config.policy.serviceTypes).containsExactly("ClusterIP");
    assertThat(config.watchNamespaces).isEmpty();
    assertThat(config.gpu.mode).isEqualTo(GpuSpec.Mode.EXCLUSIVE);
  }

  @Test
  void aFileOverridesOnlyWhatItSays() {
    OperatorConfig config = parse("""
        storage:
          models: {claimName: studio-models}
          data: {hostPath: /srv/ai/data}
          roots: {models: [/srv/ai/models], data: [/srv/ai/data], user: [/vol/service/cw/storage-user]}
        gpu: {mode: shared}
        ingress: {domain: studio.example.com, className: traefik}
        watchNamespaces: [studio]
        apps:
          comfyui: {image: yanwk/comfyui-boot:cu128-megapak}
        """);
    assertThat(config.storage.models.claimName).isEqualTo("studio-models");
    assertThat(config.storage.data.hostPath).isEqualTo("/srv/ai/data");
    assertThat(config.storage.roots.data).containsExactly("/srv/ai/data");
    assertThat(config.gpu.mode).isEqualTo(GpuSpec.Mode.SHARED);
    assertThat(config.gpu.resourceName).isEqualTo("nvidia.com/gpu");
    assertThat(config.ingress.domain).isEqualTo("studio.example.com");
    assertThat(config.watchNamespaces).containsExactly("studio");
    assertThat(config.imageOverride("comfyui")).isEqualTo("yanwk/comfyui-boot:cu128-megapak");
  }

  @Test
  void unknownKeysAndBadRootsAreErrorsThatSayWhere() {
    assertThatThrownBy(() -> parse("storage:\n  modelz: {hostPath: /x}\n"))
        .hasMessageContaining("unknown key 'modelz'").hasMessageContaining("models");
    assertThatThrownBy(() -> parse("storage:\n  roots: {models: [relative/path]}\n"))
        .hasMessageContaining("storage.roots.models: 'relative/path' must be an absolute folder without '..'");
    assertThatThrownBy(() -> parse("storage:\n  roots: {models: [/vol/service/cw/storage-models]}\n  models: {hostPath: /vol/service/cw/storage-models, subPath: /abs}\n"))
        .hasMessageContaining("storage.models: '/vol/service/cw/storage-models' + '/abs' must be an absolute folder without '..' (and a relative subPath)");
    // a root that climbs out is refused, not read with the '..' dropped (which would be /vol/etc here)
    assertThatThrownBy(() -> parse("storage:\n  roots: {data: [/vol/service/../etc]}\n"))
        .hasMessageContaining("storage.roots.data: '/vol/service/../etc' must be an absolute folder without '..'");
    assertThatThrownBy(() -> parse("storage:\n  roots: {models: [/vol/service/cw/storage-models]}\n  models: {hostPath: /vol/service/cw/storage-models, subPath: a/../../x}\n"))
        .hasMessageContaining("storage.models:");
    // '.' and doubled slashes are another spelling of the same root, kept in its plain form
    org.assertj.core.api.Assertions.assertThat(parse("storage:\n  roots: {user: [/vol//service/./cw/storage-user/]}\n").storage.roots.user)
        .containsExactly("/vol/service/cw/storage-user");
  }

  @Test
  void reconcileThreadsOutsideItsRangeStopTheOperatorAtStart() {
    assertThatThrownBy(() -> parse("reconcileThreads: 0\n")).hasMessageContaining("reconcileThreads must be between 1 and 500, got 0");
    assertThatThrownBy(() -> parse("reconcileThreads: 501\n")).hasMessageContaining("reconcileThreads");
    org.assertj.core.api.Assertions.assertThat(parse("reconcileThreads: 8\n").reconcileThreads).isEqualTo(8);
  }

  @Test
  void theOperatorWorksOnAsManyAIServicesAtOnceAsConfigured() {
    OperatorConfig config = parse("reconcileThreads: 7\n");
    try (var cluster = de.dhoch3.aiservices.embedded.EmbeddedCluster.start()) {
      var operator = de.dhoch3.aiservices.reconcile.AIServiceOperator.create(cluster.client(), config, java.time.Clock.systemUTC(), null,
          de.dhoch3.aiservices.reconcile.OperatorHarness.STAY_IN_THE_JVM);
      org.assertj.core.api.Assertions.assertThat(operator.getConfigurationService().concurrentReconciliationThreads()).isEqualTo(7);
    }
  }

  @Test
  void rolesThatOverlapStopTheOperatorAtStart() {
    // the old single allow-list: the store and every app's data under one prefix
    assertThatThrownBy(() -> parse("storage:\n  roots: {models: [/vol/service/cw], data: [/vol/service/cw/storage], user: [/vol/service/cw/storage-user]}\n"))
        .hasMessageContaining("storage.roots.models '/vol/service/cw' and storage.roots.data '/vol/service/cw/storage' overlap");
    assertThatThrownBy(() -> parse("storage:\n  roots: {models: [/srv/store], data: [/srv/store/], user: [/srv/user]}\n"))
        .hasMessageContaining("overlap");
    // a default that lies outside its role's roots
    assertThatThrownBy(() -> parse("storage:\n  data: {hostPath: /vol/service/cw/storage-models/models}\n"))
        .hasMessageContaining("storage.data.hostPath").hasMessageContaining("is not one of the data roots");
  }
}
