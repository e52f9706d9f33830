package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ContainerSpec;
import de.dhoch3.aiservices.api.ExposeSpec;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.mockwebserver.http.MockResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * What a real API server makes visible and the bare mock hid: spec removals reaching the
 * Deployment, hand-made additions reverted, stripped owner references restored, retries that do
 * not give up, and no writes while idle with the server's defaulting on (the in-process server
 * fills in defaults like a real one).
 */
class RealServerBehaviourTest extends OperatorScenario {

  /** One removal per case: a field the comparison wrongly took for the server's would otherwise hide behind another's rewrite. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"env", "runAsUser", "gpu"})
  void removingOneThingFromTheSpecRemovesItFromTheDeployment(String removed) {
    String name = "removals-" + removed.toLowerCase(java.util.Locale.ROOT);
    AIService ai = aiservice(name, App.COMFYUI);
    ai.getSpec().env = List.of(new EnvVar("HF_TOKEN", "secret-token", null), new EnvVar("HF_HUB_OFFLINE", "1", null));
    ai.getSpec().container = new ContainerSpec();
    ai.getSpec().container.runAsUser = 1234L;
    harness.create(ai);
    await().untilAsserted(() -> {
      var container = appContainer(harness.deployment(name));
      assertThat(container.getEnv()).extracting(EnvVar::getName).contains("HF_TOKEN", "HF_HUB_OFFLINE");
      assertThat(container.getSecurityContext().getRunAsUser()).isEqualTo(1234L);
      assertThat(container.getResources().getLimits()).containsKey("nvidia.com/gpu");
    });

    edit(name, spec -> {
      switch (removed) {
        case "env" -> spec.getSpec().env = List.of(new EnvVar("HF_HUB_OFFLINE", "1", null));
        case "runAsUser" -> spec.getSpec().container = null;
        default -> {
          spec.getSpec().gpu = new GpuSpec();
          spec.getSpec().gpu.mode = GpuSpec.Mode.NONE;
        }
      }
      return spec;
    });

    harness.awaitStatus(name, a -> a.getStatus().observedGeneration == 2L);
    await().untilAsserted(() -> {
      Deployment deployment = harness.deployment(name);
      var pod = deployment.getSpec().getTemplate().getSpec();
      var container = appContainer(deployment);
      switch (removed) {
        case "env" -> assertThat(container.getEnv()).extracting(EnvVar::getName).doesNotContain("HF_TOKEN").contains("HF_HUB_OFFLINE");
        case "runAsUser" -> assertThat(container.getSecurityContext() == null ? null : container.getSecurityContext().getRunAsUser()).isNull();
        default -> {
          assertThat(container.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
          assertThat(pod.getRuntimeClassName()).isNull();
          assertThat(pod.getTolerations()).noneMatch(t -> "nvidia.com/gpu".equals(t.getKey()));
        }
      }
    });
  }

  @Test
  void ingressAnnotationsTheSpecNoLongerAsksForAreRemovedOthersAreKept() {
    AIService ai = aiservice("annotated", App.COMFYUI);
    ai.getSpec().expose = new ExposeSpec();
    ai.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
    ai.getSpec().expose.ingress.host = "annotated.studio.example.com";
    ai.getSpec().expose.ingress.annotations = Map.of("traefik.ingress.kubernetes.io/router.middlewares", "studio-auth@kubernetescrd");
    ai.getSpec().expose.ingress.tls = new ExposeSpec.Tls();
    ai.getSpec().expose.ingress.tls.issuer = "letsencrypt";
    harness.create(ai);
    await().untilAsserted(() -> assertThat(ingress("annotated").getMetadata().getAnnotations())
        .containsEntry("cert-manager.io/cluster-issuer", "letsencrypt")
        .containsKey("traefik.ingress.kubernetes.io/router.middlewares"));
    // another tool's annotation on the same object
    harness.client.network().v1().ingresses().inNamespace(NS).withName("annotated").edit(i -> {
      i.getMetadata().getAnnotations().put("external-dns.alpha.kubernetes.io/ttl", "60");
      return i;
    });

    edit("annotated", spec -> {
      spec.getSpec().expose.ingress.annotations = null;
      spec.getSpec().expose.ingress.tls.issuer = "studio-ca";
      spec.getSpec().expose.ingress.tls.clusterIssuer = false;
      return spec;
    });

    await().untilAsserted(() -> assertThat(ingress("annotated").getMetadata().getAnnotations())
        .containsEntry("cert-manager.io/issuer", "studio-ca")
        .doesNotContainKeys("cert-manager.io/cluster-issuer", "traefik.ingress.kubernetes.io/router.middlewares")
        .containsEntry("external-dns.alpha.kubernetes.io/ttl", "60"));
  }

  /** One hand edit per test: a hole in one revert must not be hidden by another edit's replacement. */
  private static void editByHand(String name, java.util.function.Consumer<io.fabric8.kubernetes.api.model.PodSpec> edit) {
    harness.create(aiservice(name, App.COMFYUI));
    await().until(() -> harness.deployment(name) != null);
    harness.awaitStatus(name, a -> a.getStatus().observedGeneration == 1L);
    harness.client.apps().deployments().inNamespace(NS).withName(name).edit(d -> {
      edit.accept(d.getSpec().getTemplate().getSpec());
      return d;
    });
  }

  @Test
  void aWritableStoreMountAddedByHandIsReverted() {
    editByHand("tampered-mount", pod -> pod.getContainers().get(0).getVolumeMounts()
        .add(new VolumeMountBuilder().withName("models").withMountPath("/rw-models").build()));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      var pod = harness.deployment("tampered-mount").getSpec().getTemplate().getSpec();
      assertThat(pod.getContainers().get(0).getVolumeMounts()).noneMatch(m -> "/rw-models".equals(m.getMountPath()));
      assertThat(pod.getContainers().get(0).getVolumeMounts()).filteredOn(m -> "models".equals(m.getName()))
          .allMatch(m -> Boolean.TRUE.equals(m.getReadOnly()));
    });
  }

  @Test
  void anExtraContainerAddedByHandIsRemoved() {
    editByHand("tampered-container", pod -> pod.getContainers().add(new ContainerBuilder().withName("miner").withImage("evil/miner:1").build()));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.deployment("tampered-container").getSpec().getTemplate()
        .getSpec().getContainers()).extracting(c -> c.getName()).containsExactly("app"));
  }

  @Test
  void hostNetworkSetByHandIsReverted() {
    editByHand("tampered-network", pod -> pod.setHostNetwork(true));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(harness.deployment("tampered-network").getSpec().getTemplate().getSpec().getHostNetwork()).isNotEqualTo(Boolean.TRUE));
  }

  @Test
  void aStrippedOwnerReferenceIsRestoredAlsoAfterARestart() {
    AIService created = harness.create(aiservice("orphaned", App.COMFYUI));
    await().until(() -> harness.deployment("orphaned") != null);
    harness.client.apps().deployments().inNamespace(NS).withName("orphaned").edit(d -> {
      d.getMetadata().setOwnerReferences(List.of());
      return d;
    });
    await().untilAsserted(() -> assertThat(harness.deployment("orphaned").getMetadata().getOwnerReferences())
        .singleElement().satisfies(ref -> assertThat(ref.getUid()).isEqualTo(created.getMetadata().getUid())));

    // stripped again while no operator runs: on start it must re-own, not stall as "taken"
    harness.operator.stop();
    harness.client.apps().deployments().inNamespace(NS).withName("orphaned").edit(d -> {
      d.getMetadata().setOwnerReferences(List.of());
      return d;
    });
    harness.client.services().inNamespace(NS).withName("orphaned").edit(s -> {
      s.getMetadata().setOwnerReferences(List.of());
      return s;
    });
    harness.restartOperator();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(harness.deployment("orphaned").getMetadata().getOwnerReferences()).extracting(r -> r.getUid())
          .containsExactly(created.getMetadata().getUid());
      assertThat(harness.client.services().inNamespace(NS).withName("orphaned").get().getMetadata().getOwnerReferences())
          .extracting(r -> r.getUid()).containsExactly(created.getMetadata().getUid());
      assertThat(condition(harness.get("orphaned"), StatusCalculator.STALLED).orElseThrow().getStatus()).isEqualTo("False");
    });
  }

  private static void edit(String name, UnaryOperator<AIService> change) {
    harness.client.resources(AIService.class).inNamespace(NS).withName(name).edit(change);
  }

  private static io.fabric8.kubernetes.api.model.Container appContainer(Deployment deployment) {
    // an assertion, not a NullPointerException: the waits retry until the Deployment is there
    assertThat(deployment).as("the Deployment").isNotNull();
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static Ingress ingress(String name) {
    Ingress ingress = harness.client.network().v1().ingresses().inNamespace(NS).withName(name).get();
    assertThat(ingress).as("Ingress " + name).isNotNull();
    return ingress;
  }
}
