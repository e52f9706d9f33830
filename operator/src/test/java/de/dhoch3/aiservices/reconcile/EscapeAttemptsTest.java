package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.condition;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.conditionIs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ExposeSpec;
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

  @Test
  void aHostServedByOneAIServiceCannotBeTakenFromAnotherNamespace() {
    AIService holder = aiservice("host-holder", App.COMFYUI);
    holder.getSpec().expose = new ExposeSpec();
    holder.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
    holder.getSpec().expose.ingress.host = "render.studio.example.com";
    harness.create(holder);
    harness.awaitStatus("host-holder", conditionIs(StatusCalculator.STALLED, "False"));

    harness.cluster.ensureNamespace("team-c");
    AIService taker = aiservice("host-taker", App.FOOOCUS);
    taker.getMetadata().setNamespace("team-c");
    taker.getSpec().expose = new ExposeSpec();
    taker.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
    // another spelling of the same host, and a path inside the holder's "/"
    taker.getSpec().expose.ingress.host = "Render.Studio.Example.com";
    taker.getSpec().expose.ingress.path = "/login";
    // a real API server refuses this spelling already (the CRD's host pattern); the operator's own rule
    // is the second line, for an AIService stored under an older CRD without that pattern
    assertThat(de.dhoch3.aiservices.validation.CrdSchemaValidator.fromClasspath()
        .validate((com.fasterxml.jackson.databind.JsonNode) io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().valueToTree(taker)))
        .extracting(de.dhoch3.aiservices.validation.SpecProblem::field).contains("spec.expose.ingress.host");
    harness.client.resource(taker).create();

    await().atMost(Duration.ofSeconds(30)).until(() -> stalledReason("team-c", "host-taker") != null);
    assertThat(stalledReason("team-c", "host-taker")).isEqualTo("HostTaken");
    AIService stalled = harness.client.resources(AIService.class).inNamespace("team-c").withName("host-taker").get();
    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getMessage())
        .contains("spec.expose.ingress.host").contains("studio/host-holder");
    assertThat(harness.client.network().v1().ingresses().inNamespace("team-c").withName("host-taker").get()).isNull();
    assertThat(harness.client.apps().deployments().inNamespace("team-c").withName("host-taker").get()).isNull();
    // the holder keeps serving
    assertThat(condition(harness.get("host-holder"), StatusCalculator.STALLED).orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  void aServerAliasAnnotationAddedByHandToAnOwnedIngressIsRemovedOthersStay() {
    AIService ai = aiservice("aliased", App.COMFYUI);
    ai.getSpec().expose = new ExposeSpec();
    ai.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
    ai.getSpec().expose.ingress.host = "aliased.studio.example.com";
    harness.create(ai);
    await().until(() -> harness.client.network().v1().ingresses().inNamespace(NS).withName("aliased").get() != null);
    harness.client.network().v1().ingresses().inNamespace(NS).withName("aliased").edit(i -> {
      i.getMetadata().getAnnotations().put("nginx.ingress.kubernetes.io/server-alias", "grafana.studio.example.com");
      i.getMetadata().getAnnotations().put("external-dns.alpha.kubernetes.io/ttl", "60");
      return i;
    });
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(harness.client.network().v1().ingresses().inNamespace(NS).withName("aliased").get().getMetadata().getAnnotations())
            .doesNotContainKey("nginx.ingress.kubernetes.io/server-alias").containsEntry("external-dns.alpha.kubernetes.io/ttl", "60"));
  }

  @Test
  void anOlderAIServiceMadeInvalidOnPurposeCannotTakeTheFoldersOfARunningApp() {
    // the attacker's AIService exists first, on a folder of its own
    AIService attacker = aiservice("older-attacker", App.COMFYUI);
    attacker.getSpec().storage.serviceDir = "AttackerDir";
    harness.create(attacker);
    harness.awaitStatus("older-attacker", conditionIs(StatusCalculator.STALLED, "False"));
    AIService victim = aiservice("younger-victim", App.COMFYUI);
    victim.getSpec().storage.serviceDir = "VictimDir";
    harness.create(victim);
    harness.awaitStatus("younger-victim", conditionIs(StatusCalculator.STALLED, "False"));

    // it moves onto the victim's folder with an unrelated error, so that it holds nothing but is older
    harness.client.resources(AIService.class).inNamespace(NS).withName("older-attacker").edit(a -> {
      a.getSpec().storage.serviceDir = "VictimDir";
      a.getSpec().env = List.of(new EnvVar("BAD=NAME", "x", null));
      return a;
    });
    harness.awaitStatus("older-attacker", a -> a.getStatus().observedGeneration == 2L);
    // the victim is looked at again (as after an operator restart)
    harness.client.resources(AIService.class).inNamespace(NS).withName("younger-victim").edit(a -> {
      a.getSpec().env = List.of(new EnvVar("HF_HUB_OFFLINE", "1", null));
      return a;
    });
    harness.awaitStatus("younger-victim", a -> a.getStatus().observedGeneration == 2L);
    assertThat(condition(harness.get("younger-victim"), StatusCalculator.STALLED).orElseThrow().getStatus()).isEqualTo("False");

    // and the attacker, fixed, stalls instead of running on the victim's folders
    harness.client.resources(AIService.class).inNamespace(NS).withName("older-attacker").edit(a -> {
      a.getSpec().env = null;
      return a;
    });
    AIService stalled = harness.awaitStatus("older-attacker", a -> a.getStatus().observedGeneration == 3L
        && condition(a, StatusCalculator.STALLED).map(c -> "True".equals(c.getStatus())).orElse(false));
    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getReason()).isEqualTo("DataFolderInUse");
    assertThat(harness.deployment("older-attacker").getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts())
        .noneMatch(m -> m.getSubPath() != null && m.getSubPath().toLowerCase().contains("victimdir"));
  }

  private static String stalledReason(String namespace, String name) {
    AIService ai = harness.client.resources(AIService.class).inNamespace(namespace).withName(name).get();
    if (ai == null || ai.getStatus() == null) {
      return null;
    }
    return condition(ai, StatusCalculator.STALLED).filter(c -> "True".equals(c.getStatus())).map(c -> c.getReason()).orElse(null);
  }
}
