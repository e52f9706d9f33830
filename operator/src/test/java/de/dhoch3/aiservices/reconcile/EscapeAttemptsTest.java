package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.condition;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.conditionIs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.VolumeRef;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Escape attempts through the real reconciler, one edit each, written as the attacker would: a
 * hand edit of an owned Deployment (someone allowed to edit Deployments), and an AIService author
 * in another namespace reaching for a folder a first team writes.
 */
class EscapeAttemptsTest extends OperatorScenario {
  private static final String APPARMOR = "container.apparmor.security.beta.kubernetes.io/app";
  private static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

  @Test
  void anAppArmorUnconfinedAnnotationAddedByHandIsRemoved() {
    harness.create(aiservice("apparmor", App.COMFYUI));
    await().until(() -> harness.deployment("apparmor") != null);
    harness.client.apps().deployments().inNamespace(NS).withName("apparmor").edit(d -> {
      d.getSpec().getTemplate().getMetadata().getAnnotations().put(APPARMOR, "unconfined");
      return d;
    });
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(harness.deployment("apparmor").getSpec().getTemplate().getMetadata().getAnnotations()).doesNotContainKey(APPARMOR));
  }

  @Test
  void kubectlRolloutRestartsAnnotationStaysAndIsNotFoughtOver() {
    harness.create(aiservice("restarted", App.COMFYUI));
    await().until(() -> harness.deployment("restarted") != null);
    harness.awaitStatus("restarted", a -> a.getStatus().observedGeneration == 1L);
    Deployment edited = harness.client.apps().deployments().inNamespace(NS).withName("restarted").edit(d -> {
      d.getSpec().getTemplate().getMetadata().getAnnotations().put(RESTARTED_AT, "2026-12-06T21:00:00Z");
      return d;
    });
    // the operator hears of the edit; nothing to revert, so the object stays as edited
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Deployment now = harness.deployment("restarted");
      assertThat(now.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry(RESTARTED_AT, "2026-12-06T21:00:00Z");
      assertThat(now.getMetadata().getResourceVersion()).isEqualTo(edited.getMetadata().getResourceVersion());
    });
  }

  @Test
  void aDeploymentThatLostTheOperatorsLabelAndGotAWritableStoreMountIsFoundAndReverted() {
    harness.create(aiservice("unlabelled", App.COMFYUI));
    await().until(() -> harness.deployment("unlabelled") != null);
    harness.awaitStatus("unlabelled", a -> a.getStatus().observedGeneration == 1L);
    harness.client.apps().deployments().inNamespace(NS).withName("unlabelled").edit(d -> {
      d.getMetadata().getLabels().remove("app.kubernetes.io/managed-by");
      d.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts()
          .add(new VolumeMountBuilder().withName("models").withMountPath("/rw-models").build());
      return d;
    });
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Deployment now = harness.deployment("unlabelled");
      assertThat(now.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "aiservice-operator");
      assertThat(now.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts())
          .noneMatch(m -> "/rw-models".equals(m.getMountPath()));
    });
    // and later spec changes reach it
    harness.client.resources(AIService.class).inNamespace(NS).withName("unlabelled").edit(a -> {
      a.getSpec().env = List.of(new EnvVar("HF_HUB_OFFLINE", "1", null));
      return a;
    });
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(harness.deployment("unlabelled").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
            .extracting(EnvVar::getName).contains("HF_HUB_OFFLINE"));
  }

  @Test
  void anotherNamespaceCannotWriteIntoAnOutputFolderInUseWhateverItsCase() {
    AIService first = aiservice("outputs-first", App.COMFYUI);
    first.getSpec().storage.serviceDir = "TeamA";
    harness.create(first);
    harness.awaitStatus("outputs-first", conditionIs(StatusCalculator.STALLED, "False"));

    harness.cluster.ensureNamespace("team-b");
    AIService second = aiservice("outputs-second", App.COMFYUI);
    second.getMetadata().setNamespace("team-b");
    // its own data on a claim of its own namespace: only the user share's folders are the same
    second.getSpec().storage.data = VolumeRef.claim("team-b-data");
    second.getSpec().storage.serviceDir = "teama";
    harness.client.resource(second).create();

    await().atMost(Duration.ofSeconds(30)).until(() -> stalledReason("team-b", "outputs-second") != null);
    AIService stalled = harness.client.resources(AIService.class).inNamespace("team-b").withName("outputs-second").get();
    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getReason()).isEqualTo("DataFolderInUse");
    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getMessage())
        .contains("spec.storage.serviceDir").contains("/vol/service/cw/storage-user/").contains("studio/outputs-first");
    assertThat(harness.client.apps().deployments().inNamespace("team-b").withName("outputs-second").get()).isNull();
  }

  private static String stalledReason(String namespace, String name) {
    AIService ai = harness.client.resources(AIService.class).inNamespace(namespace).withName(name).get();
    if (ai == null || ai.getStatus() == null) {
      return null;
    }
    return condition(ai, StatusCalculator.STALLED).filter(c -> "True".equals(c.getStatus())).map(c -> c.getReason()).orElse(null);
  }
}
