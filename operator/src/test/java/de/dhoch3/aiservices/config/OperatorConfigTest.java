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
    assertThat(config.storage.allowedHostPaths).containsExactly("/vol/service/cw");
    assertThat(config.watchNamespaces).isEmpty();
    assertThat(config.gpu.mode).isEqualTo(GpuSpec.Mode.EXCLUSIVE);
  }

  @Test
  void aFileOverridesOnlyWhatItSays() {
    OperatorConfig config = parse("""
        storage:
          models: {claimName: studio-models}
          allowedHostPaths: [/srv/ai]
        gpu: {mode: shared}
        ingress: {domain: studio.example.com, className: traefik}
        watchNamespaces: [studio]
        apps:
          comfyui: {image: yanwk/comfyui-boot:cu128-megapak}
        """);
    assertThat(config.storage.models.claimName).isEqualTo("studio-models");
    assertThat(config.storage.data.hostPath).isEqualTo("/vol/service/cw/storage");
    assertThat(config.storage.allowedHostPaths).containsExactly("/srv/ai");
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
    assertThatThrownBy(() -> parse("storage:\n  allowedHostPaths: [relative/path]\n"))
        .hasMessageContaining("storage.allowedHostPaths");
  }
}
