package de.dhoch3.aiservices.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIService;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The copy of the primary each reconcile works on: equal to the cached object, and sharing nothing a reconcile could change. */
class PrimaryCopiesTest {
  private static final Path ROOT = Path.of(System.getProperty("repo.root", ".."));

  @Test
  void aReconcilesCopyIsEqualAndIndependent() throws Exception {
    AIService cached = new KubernetesSerialization().unmarshal(Files.readString(ROOT.resolve("examples/apps/comfyui.yaml")), AIService.class);
    cached.getMetadata().setLabels(new java.util.LinkedHashMap<>(java.util.Map.of("team", "a")));
    cached.getMetadata().setUid("uid-1");
    cached.getMetadata().setResourceVersion("7");
    cached.setStatus(new de.dhoch3.aiservices.api.AIServiceStatus());
    cached.getStatus().observedGeneration = 3L;
    String before = new KubernetesSerialization().asJson(cached);

    AIService copy = AIServiceOperator.PRIMARY_COPIES.clone(cached);

    // the same document (the spec classes compare by identity, so equality is the JSON's)
    assertThat(copy).isNotSameAs(cached);
    assertThat(new KubernetesSerialization().asJson(copy)).isEqualTo(before);
    assertThat(copy.getSpec().app).isEqualTo(de.dhoch3.aiservices.api.App.COMFYUI);
    assertThat(copy.getSpec()).isNotSameAs(cached.getSpec());
    assertThat(copy.getMetadata()).isNotSameAs(cached.getMetadata());
    assertThat(copy.getMetadata().getLabels()).isNotSameAs(cached.getMetadata().getLabels());
    assertThat(copy.getStatus()).isNotSameAs(cached.getStatus());
    // what a reconcile does to its copy leaves the cached object as it was
    copy.getMetadata().getLabels().put("team", "b");
    copy.getMetadata().getFinalizers().add("x");
    copy.getStatus().observedGeneration = 4L;
    copy.getSpec().env = java.util.List.of();
    assertThat(new KubernetesSerialization().asJson(cached)).isEqualTo(before);
    assertThat(cached.getMetadata().getLabels()).containsExactly(java.util.Map.entry("team", "a"));
    assertThat(AIServiceOperator.PRIMARY_COPIES.clone((AIService) null)).isNull();
  }
}
