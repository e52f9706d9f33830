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
import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Scenarios through the real reconciler, configured as production, on the in-process API server. */
class AIServiceReconcilerTest extends OperatorScenario {
  @Test
  void createBuildsOwnedDeploymentServiceConfigAndTruthfulStatus() {
    AIService created = harness.create(aiservice("comfyui", App.COMFYUI));

    AIService ai = harness.awaitStatus("comfyui", conditionIs(StatusCalculator.READY, "False"));
    assertThat(ai.getStatus().observedGeneration).isEqualTo(created.getMetadata().getGeneration());
    assertThat(condition(ai, StatusCalculator.RECONCILING).orElseThrow().getStatus()).isEqualTo("True");
    assertThat(condition(ai, StatusCalculator.STALLED).orElseThrow().getStatus()).isEqualTo("False");
    assertThat(ai.getStatus().url).isEqualTo("http://comfyui.studio.svc:8188");
    assertThat(ai.getStatus().modelPaths).extracting(p -> p.category).contains("checkpoints", "loras", "text_encoders");

    Deployment deployment = harness.deployment("comfyui");
    Service service = harness.client.services().inNamespace(NS).withName("comfyui").get();
    ConfigMap config = harness.client.configMaps().inNamespace(NS).withName("comfyui-config").get();
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits())
        .containsKey("nvidia.com/gpu");
    assertThat(service.getSpec().getPorts().get(0).getPort()).isEqualTo(8188);
    assertThat(config.getData().get("extra_model_paths.yaml")).contains("base_path: /models").contains("is_default: false");
    for (HasMetadata owned : List.of(deployment, service, config)) {
      assertThat(owned.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "aiservice-operator");
      assertThat(owned.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
        assertThat(ref.getUid()).isEqualTo(created.getMetadata().getUid());
        assertThat(ref.getKind()).isEqualTo("AIService");
        assertThat(ref.getController()).isTrue();
      });
    }
  }

  @Test
  void becomesReadyWhenTheDeploymentIsAvailable() {
    harness.create(aiservice("ready-app", App.COMFYUI));
    harness.awaitStatus("ready-app", conditionIs(StatusCalculator.READY, "False"));
    Deployment deployment = harness.deployment("ready-app");
    // play the Deployment controller for this one object
    harness.client.apps().deployments().inNamespace(NS).withName("ready-app").editStatus(d -> {
      d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
          .withObservedGeneration(deployment.getMetadata().getGeneration())
          .withReplicas(1).withUpdatedReplicas(1).withReadyReplicas(1).withAvailableReplicas(1).build());
      return d;
    });

    AIService ai = harness.awaitStatus("ready-app", conditionIs(StatusCalculator.READY, "True"));
    assertThat(condition(ai, StatusCalculator.READY).orElseThrow().getReason()).isEqualTo(StatusCalculator.REASON_AVAILABLE);
    assertThat(condition(ai, StatusCalculator.RECONCILING).orElseThrow().getStatus()).isEqualTo("False");
    assertThat(ai.getStatus().readyReplicas).isEqualTo(1);
    assertThat(events("ready-app")).extracting(Event::getReason).contains(StatusCalculator.REASON_AVAILABLE);
  }

  @Test
  void specChangeUpdatesDeploymentAndObservedGeneration() {
    harness.create(aiservice("changing", App.COMFYUI));
    harness.awaitStatus("changing", ai -> ai.getStatus().observedGeneration == 1L);

    AIService ai = harness.get("changing");
    ai.getSpec().env = List.of(new EnvVar("HF_HUB_OFFLINE", "1", null));
    ai.getSpec().image = "yanwk/comfyui-boot:cu128-megapak";
    AIService updated = harness.client.resource(ai).update();
    assertThat(updated.getMetadata().getGeneration()).isEqualTo(2L);

    harness.awaitStatus("changing", a -> a.getStatus().observedGeneration == 2L);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      var container = harness.deployment("changing").getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(container.getImage()).isEqualTo("yanwk/comfyui-boot:cu128-megapak");
      assertThat(container.getEnv()).contains(new EnvVar("HF_HUB_OFFLINE", "1", null));
    });
  }

  /** One hand edit each, so that a hole in the comparison for one field is not hidden by a rewrite another forces. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"image", "replicas", "config"})
  void aManualEditOfAnOwnedObjectIsReverted(String edited) {
    String name = "guarded-" + edited;
    harness.create(aiservice(name, App.COMFYUI));
    harness.awaitStatus(name, conditionIs(StatusCalculator.RECONCILING, "True"));
    String image = harness.deployment(name).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    switch (edited) {
      case "image" -> harness.client.apps().deployments().inNamespace(NS).withName(name).edit(d -> {
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("evil/miner:latest");
        return d;
      });
      case "replicas" -> harness.client.apps().deployments().inNamespace(NS).withName(name).edit(d -> {
        d.getSpec().setReplicas(5);
        return d;
      });
      default -> harness.client.configMaps().inNamespace(NS).withName(name + "-config").edit(c -> {
        c.getData().put("extra_model_paths.yaml", "tampered: true\n");
        return c;
      });
    }
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      Deployment d = harness.deployment(name);
      assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(image);
      assertThat(d.getSpec().getReplicas()).isEqualTo(1);
      assertThat(harness.client.configMaps().inNamespace(NS).withName(name + "-config").get().getData().get("extra_model_paths.yaml"))
          .contains("base_path: /models");
    });
  }

  @Test
  void suspendScalesToZeroAndKeepsEverythingElse() {
    AIService ai = aiservice("sleepy", App.COMFYUI);
    ai.getSpec().expose = new ExposeSpec();
    ai.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
    ai.getSpec().expose.ingress.host = "sleepy.studio.example.com";
    harness.create(ai);
    harness.awaitStatus("sleepy", a -> a.getStatus().observedGeneration == 1L);

    AIService current = harness.get("sleepy");
    current.getSpec().suspend = true;
    harness.client.resource(current).update();

    AIService suspended = harness.awaitStatus("sleepy",
        a -> condition(a, StatusCalculator.READY).map(c -> StatusCalculator.REASON_SUSPENDED.equals(c.getReason())).orElse(false));
    assertThat(condition(suspended, StatusCalculator.READY).orElseThrow().getStatus()).isEqualTo("True");
    assertThat(suspended.getStatus().replicas).isZero();
    assertThat(harness.deployment("sleepy").getSpec().getReplicas()).isZero();
    assertThat(harness.client.services().inNamespace(NS).withName("sleepy").get()).isNotNull();
    assertThat(harness.client.configMaps().inNamespace(NS).withName("sleepy-config").get()).isNotNull();
    assertThat(harness.client.network().v1().ingresses().inNamespace(NS).withName("sleepy").get()).isNotNull();
  }

  @Test
  void ingressFollowsTheSpecAndIsRemovedWhenNoLongerAskedFor() {
    AIService ai = aiservice("exposed", App.COMFYUI);
    ai.getSpec().expose = new ExposeSpec();
    ai.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
    ai.getSpec().expose.ingress.host = "exposed.studio.example.com";
    ai.getSpec().expose.ingress.className = "traefik";
    ai.getSpec().expose.ingress.tls = new ExposeSpec.Tls();
    ai.getSpec().expose.ingress.tls.issuer = "letsencrypt";
    harness.create(ai);

    AIService withIngress = harness.awaitStatus("exposed", a -> "https://exposed.studio.example.com/".equals(a.getStatus().url));
    Ingress ingress = harness.client.network().v1().ingresses().inNamespace(NS).withName("exposed").get();
    assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("traefik");
    assertThat(ingress.getMetadata().getAnnotations()).containsEntry("cert-manager.io/cluster-issuer", "letsencrypt");
    assertThat(ingress.getSpec().getTls().get(0).getSecretName()).isEqualTo("exposed-tls");

    withIngress.getSpec().expose.ingress = null;
    harness.client.resource(withIngress).update();
    await().atMost(Duration.ofSeconds(15)).until(
        () -> harness.client.network().v1().ingresses().inNamespace(NS).withName("exposed").get() == null);
    harness.awaitStatus("exposed", a -> "http://exposed.studio.svc:8188".equals(a.getStatus().url));
  }

  @Test
  void invalidSpecsStallWithTheFieldAndCreateNothing() {
    // each bad input the schema cannot catch: the operator's own checks
    record Bad(String name, java.util.function.Consumer<AIService> mutate, String field) {}
    List<Bad> cases = List.of(
        new Bad("outside-allowlist", a -> a.getSpec().storage = storage(VolumeRef.hostPath("/etc"), null), "spec.storage.models.hostPath"),
        new Bad("dotdot", a -> a.getSpec().storage = storage(VolumeRef.hostPath("/vol/service/cw/../../etc"), null), "spec.storage.models.hostPath"),
        new Bad("sibling-prefix", a -> a.getSpec().storage = storage(null, VolumeRef.hostPath("/vol/service/cw2/data")), "spec.storage.data.hostPath"),
        new Bad("both-sources", a -> {
          VolumeRef both = VolumeRef.claim("models");
          both.hostPath = "/vol/service/cw/models";
          a.getSpec().storage = storage(both, null);
        }, "spec.storage.models"),
        new Bad("claim-subpath-escape", a -> {
          VolumeRef claim = VolumeRef.claim("studio-share");
          claim.subPath = "models/../../other";
          a.getSpec().storage = storage(claim, null);
        }, "spec.storage.models.subPath"),
        new Bad("no-host", a -> {
          a.getSpec().expose = new ExposeSpec();
          a.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
        }, "spec.expose.ingress.host"),
        new Bad("gpu-in-resources", a -> a.getSpec().resources = new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
            .addToLimits("nvidia.com/gpu", new io.fabric8.kubernetes.api.model.Quantity("2")).build(), "spec.resources.limits.nvidia.com/gpu"),
        new Bad("unknown-category", a -> {
          a.getSpec().models = new de.dhoch3.aiservices.api.ModelsSpec();
          a.getSpec().models.categories = List.of("checkpoints", "lora");
        }, "spec.models.categories[1]"),
        new Bad("custom-without-image", a -> a.getSpec().app = App.CUSTOM, "spec.image"));

    for (Bad bad : cases) {
      AIService ai = aiservice(bad.name(), App.COMFYUI);
      bad.mutate().accept(ai);
      harness.create(ai);
    }
    for (Bad bad : cases) {
      AIService ai = harness.awaitStatus(bad.name(), conditionIs(StatusCalculator.STALLED, "True"));
      var stalled = condition(ai, StatusCalculator.STALLED).orElseThrow();
      assertThat(stalled.getReason()).isEqualTo(StatusCalculator.REASON_INVALID_SPEC);
      assertThat(stalled.getMessage()).as(bad.name()).contains(bad.field() + ":");
      assertThat(condition(ai, StatusCalculator.READY).orElseThrow().getStatus()).isEqualTo("False");
      assertThat(ai.getStatus().observedGeneration).isEqualTo(1L);
      assertThat(harness.deployment(bad.name())).as("no Deployment for " + bad.name()).isNull();
      assertThat(harness.client.services().inNamespace(NS).withName(bad.name()).get()).isNull();
      assertThat(harness.client.configMaps().inNamespace(NS).withName(bad.name() + "-config").get()).isNull();
      assertThat(events(bad.name())).extracting(Event::getReason).contains(StatusCalculator.REASON_INVALID_SPEC);
    }
  }

  @Test
  void aSpecTurningInvalidLeavesTheRunningWorkloadUntouched() {
    harness.create(aiservice("steady", App.COMFYUI));
    harness.awaitStatus("steady", a -> a.getStatus().observedGeneration == 1L);
    Deployment before = harness.deployment("steady");

    AIService ai = harness.get("steady");
    ai.getSpec().storage = storage(VolumeRef.hostPath("/home/artist/models"), null);
    ai.getSpec().image = "something/else:1";
    harness.client.resource(ai).update();

    AIService stalled = harness.awaitStatus("steady", conditionIs(StatusCalculator.STALLED, "True"));
    assertThat(stalled.getStatus().observedGeneration).isEqualTo(2L);
    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getMessage())
        .contains("spec.storage.models.hostPath").contains("/home/artist/models").contains("storage.roots.models");
    Deployment after = harness.deployment("steady");
    assertThat(after.getMetadata().getResourceVersion()).isEqualTo(before.getMetadata().getResourceVersion());
    assertThat(after.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(before.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
  }

  @Test
  void twoCopiesOfAnAppNeverShareADataFolder() {
    AIService first = aiservice("first-copy", App.COMFYUI);
    first.getSpec().storage.serviceDir = "ComfyUI-shared";
    harness.create(first);
    harness.awaitStatus("first-copy", a -> a.getStatus().observedGeneration == 1L);
    AIService second = aiservice("second-copy", App.COMFYUI);
    second.getSpec().storage.serviceDir = "ComfyUI-shared";
    harness.create(second);

    AIService stalled = harness.awaitStatus("second-copy", conditionIs(StatusCalculator.STALLED, "True"));
    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getMessage())
        .contains("spec.storage.serviceDir").contains("/vol/service/cw/storage/comfyui-shared").contains("studio/first-copy");
    assertThat(harness.deployment("second-copy")).isNull();
    assertThat(harness.deployment("first-copy")).isNotNull();

    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getReason()).isEqualTo(StatusCalculator.REASON_DATA_FOLDER_IN_USE);

    stalled.getSpec().storage.serviceDir = "ComfyUI-second";
    harness.client.resource(stalled).update();
    harness.awaitStatus("second-copy", conditionIs(StatusCalculator.STALLED, "False"));
    assertThat(harness.deployment("second-copy")).isNotNull();

    // the older one moving onto a folder in use stalls too: the running app keeps its folder
    AIService older = harness.get("first-copy");
    older.getSpec().storage.serviceDir = "ComfyUI-second";
    harness.client.resource(older).update();
    AIService moved = harness.awaitStatus("first-copy", conditionIs(StatusCalculator.STALLED, "True"));
    assertThat(condition(moved, StatusCalculator.STALLED).orElseThrow().getMessage()).contains("studio/second-copy");
    assertThat(harness.deployment("first-copy").getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getSubPath()).isEqualTo("ComfyUI-shared"));
    assertThat(condition(harness.get("second-copy"), StatusCalculator.STALLED).orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  void aNameTakenByAnotherObjectStallsAndThatObjectIsLeftAlone() {
    Service foreign = new io.fabric8.kubernetes.api.model.ServiceBuilder()
        .withNewMetadata().withName("taken").withNamespace(NS).addToLabels("team", "render").endMetadata()
        .withNewSpec().addNewPort().withPort(80).endPort().endSpec().build();
    harness.client.resource(foreign).create();
    harness.create(aiservice("taken", App.COMFYUI));

    AIService stalled = harness.awaitStatus("taken", conditionIs(StatusCalculator.STALLED, "True"));
    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getMessage())
        .contains("metadata.name").contains("Service studio/taken already exists");
    Service untouched = harness.client.services().inNamespace(NS).withName("taken").get();
    assertThat(untouched.getMetadata().getLabels()).containsEntry("team", "render").doesNotContainKey("app.kubernetes.io/managed-by");
    assertThat(untouched.getSpec().getPorts().get(0).getPort()).isEqualTo(80);
    assertThat(harness.deployment("taken")).as("no half-built workload").isNull();
  }

  @Test
  void aDeploymentNameTakenByAnotherObjectLeavesNothingHalfBuiltAndIsLeftAlone() {
    harness.client.resource(renderFarm("squatted", Map.of("team", "render"))).create();
    harness.create(aiservice("squatted", App.COMFYUI));

    AIService stalled = harness.awaitStatus("squatted", conditionIs(StatusCalculator.STALLED, "True"));
    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getReason()).isEqualTo("NameTaken");
    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getMessage()).contains("Deployment studio/squatted already exists");
    // what this build created before it met the foreign Deployment is gone again; the foreign one is untouched
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(harness.client.services().inNamespace(NS).withName("squatted").get()).isNull();
      assertThat(harness.client.configMaps().inNamespace(NS).withName("squatted-config").get()).isNull();
    });
    var untouched = harness.deployment("squatted");
    assertThat(untouched.getMetadata().getLabels()).containsEntry("team", "render").doesNotContainKey("app.kubernetes.io/managed-by");
    assertThat(untouched.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("render/farm:1");
  }

  @Test
  void anObjectWithTheOperatorsLabelsButAnotherAIServicesNameIsNotTakenOver() {
    // in the operator's informer (managed-by label) and named like this AIService's Deployment, but labelled for
    // another AIService: a copy of the labels alone never makes an object this AIService's own
    harness.client.resource(renderFarm("lookalike",
        Map.of("app.kubernetes.io/managed-by", "aiservice-operator", "ai.dhoch3.de/aiservice", "someone-else"))).create();
    harness.create(aiservice("lookalike", App.COMFYUI));

    AIService stalled = harness.awaitStatus("lookalike", conditionIs(StatusCalculator.STALLED, "True"));
    assertThat(condition(stalled, StatusCalculator.STALLED).orElseThrow().getReason()).isEqualTo("NameTaken");
    var untouched = harness.deployment("lookalike");
    assertThat(untouched.getMetadata().getLabels()).containsEntry("ai.dhoch3.de/aiservice", "someone-else");
    assertThat(untouched.getMetadata().getOwnerReferences()).isEmpty();
    assertThat(untouched.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("render/farm:1");
  }

  /** Someone else's Deployment (a render farm) with the given name and labels. */
  private static io.fabric8.kubernetes.api.model.apps.Deployment renderFarm(String name, Map<String, String> labels) {
    return new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).addToLabels(labels).endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "render").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "render").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("render/farm:1").endContainer().endSpec().endTemplate()
        .endSpec().build();
  }

  private static StorageSpec storage(VolumeRef models, VolumeRef data) {
    StorageSpec storage = new StorageSpec();
    storage.models = models;
    storage.data = data;
    return storage;
  }

  private static List<Event> events(String name) {
    return harness.client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }
}
