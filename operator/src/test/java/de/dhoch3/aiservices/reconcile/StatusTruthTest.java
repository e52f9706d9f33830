package de.dhoch3.aiservices.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceStatus;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.apps.AppTranslationTest;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ready is a statement about the generation it names: never true while the Deployment seen is an older generation's. */
class StatusTruthTest {
  private static final Instant NOW = Instant.parse("2026-12-06T21:00:00Z");

  /** A Deployment that the Deployment controller has fully rolled out (its own generation observed, one replica available). */
  private static Deployment rolledOut(Deployment deployment) {
    deployment.getMetadata().setGeneration(4L);
    deployment.setStatus(new DeploymentStatusBuilder().withObservedGeneration(4L).withReplicas(1).withUpdatedReplicas(1)
        .withReadyReplicas(1).withAvailableReplicas(1).build());
    return deployment;
  }

  @Test
  void aFullyRolledOutDeploymentOfTheOldSpecIsNotReadinessOfTheNewGeneration() {
    AIService old = AppTranslationTest.aiservice(App.COMFYUI);
    old.getMetadata().setGeneration(1L);
    Deployment seen = rolledOut(WorkloadBuilder.build(old, OperatorConfig.defaults()).deployment());

    AIService changed = AppTranslationTest.aiservice(App.COMFYUI);
    changed.getMetadata().setGeneration(2L);
    changed.getSpec().env = List.of(new EnvVar("HF_HUB_OFFLINE", "1", null));
    AIServiceStatus status = StatusCalculator.running(changed, WorkloadBuilder.build(changed, OperatorConfig.defaults()), seen,
        List.of(), List.of(), NOW);

    var ready = StatusCalculator.find(status, StatusCalculator.READY).orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("RollingOut");
    assertThat(ready.getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void theSameDeploymentOfTheCurrentSpecRolledOutIsReady() {
    AIService ai = AppTranslationTest.aiservice(App.COMFYUI);
    ai.getMetadata().setGeneration(2L);
    var workload = WorkloadBuilder.build(ai, OperatorConfig.defaults());
    Deployment seen = rolledOut(WorkloadBuilder.build(ai, OperatorConfig.defaults()).deployment());
    AIServiceStatus status = StatusCalculator.running(ai, workload, seen, List.of(), List.of(), NOW);
    var ready = StatusCalculator.find(status, StatusCalculator.READY).orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("Available");
  }

  @Test
  void anInvalidSpecStallsNamesTheProblemAndKeepsTheRunningAppsUrl() {
    AIService ai = AppTranslationTest.aiservice(App.COMFYUI);
    ai.getMetadata().setGeneration(3L);
    ai.setStatus(new AIServiceStatus());
    ai.getStatus().url = "https://comfyui.studio.example.com/";
    Deployment running = rolledOut(WorkloadBuilder.build(AppTranslationTest.aiservice(App.COMFYUI), OperatorConfig.defaults()).deployment());
    AIServiceStatus status = StatusCalculator.stalled(ai,
        new de.dhoch3.aiservices.validation.InvalidSpecException("spec.gpu.count", "must be at most 16"), running, NOW);
    assertThat(status.observedGeneration).isEqualTo(3L);
    assertThat(status.url).isEqualTo("https://comfyui.studio.example.com/");
    assertThat(status.replicas).isEqualTo(1);
    assertThat(status.readyReplicas).isEqualTo(1);
    assertThat(StatusCalculator.find(status, StatusCalculator.STALLED).orElseThrow()).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("InvalidSpec");
      assertThat(c.getMessage()).isEqualTo("spec.gpu.count: must be at most 16");
    });
    assertThat(StatusCalculator.find(status, StatusCalculator.READY).orElseThrow().getStatus()).isEqualTo("False");
    assertThat(StatusCalculator.find(status, StatusCalculator.RECONCILING).orElseThrow().getStatus()).isEqualTo("False");
    // nothing ran before: no URL to keep
    AIServiceStatus fresh = StatusCalculator.stalled(AppTranslationTest.aiservice(App.COMFYUI),
        new de.dhoch3.aiservices.validation.InvalidSpecException("spec.app", "x"), null, NOW);
    assertThat(fresh.url).isNull();
    assertThat(fresh.replicas).isZero();
  }

  @Test
  void aFailedWriteKeepsWhatWasKnownAndSaysItRetries() {
    AIService ai = AppTranslationTest.aiservice(App.COMFYUI);
    ai.getMetadata().setGeneration(5L);
    ai.setStatus(new AIServiceStatus());
    ai.getStatus().url = "http://comfyui.studio.svc:8188";
    ai.getStatus().replicas = 1;
    ai.getStatus().readyReplicas = 1;
    AIServiceStatus status = StatusCalculator.failed(ai, "connection refused", NOW);
    assertThat(status.observedGeneration).isEqualTo(5L);
    assertThat(status.url).isEqualTo("http://comfyui.studio.svc:8188");
    assertThat(status.readyReplicas).isEqualTo(1);
    assertThat(StatusCalculator.find(status, StatusCalculator.READY).orElseThrow()).satisfies(c -> {
      assertThat(c.getReason()).isEqualTo("ApplyFailed");
      assertThat(c.getMessage()).isEqualTo("applying the workload failed, retrying: connection refused");
    });
    assertThat(StatusCalculator.find(status, StatusCalculator.STALLED).orElseThrow().getStatus()).isEqualTo("False");
    assertThat(StatusCalculator.failed(AppTranslationTest.aiservice(App.COMFYUI), "x", NOW).url).isNull();
  }

  @Test
  void aConditionKeepsItsTransitionTimeWhileItsStatusStaysTheSame() {
    AIService ai = AppTranslationTest.aiservice(App.COMFYUI);
    ai.getMetadata().setGeneration(2L);
    var workload = WorkloadBuilder.build(ai, OperatorConfig.defaults());
    Deployment seen = rolledOut(WorkloadBuilder.build(ai, OperatorConfig.defaults()).deployment());
    AIServiceStatus first = StatusCalculator.running(ai, workload, seen, List.of(), List.of(), NOW);
    ai.setStatus(first);
    AIServiceStatus later = StatusCalculator.running(ai, workload, seen, List.of(), List.of(), NOW.plusSeconds(600));
    assertThat(StatusCalculator.find(later, StatusCalculator.READY).orElseThrow().getLastTransitionTime()).isEqualTo("2026-12-06T21:00:00Z");
    // Ready turns False: a new transition time
    AIServiceStatus down = StatusCalculator.running(ai, workload, null, List.of(), List.of(), NOW.plusSeconds(900));
    assertThat(StatusCalculator.find(down, StatusCalculator.READY).orElseThrow()).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getLastTransitionTime()).isEqualTo("2026-12-06T21:15:00Z");
      assertThat(c.getMessage()).isEqualTo("creating the Deployment");
    });
    assertThat(down.readyReplicas).isZero();
    assertThat(StatusCalculator.find(null, StatusCalculator.READY)).isEmpty();
  }

  @Test
  void aSuspendedAppIsReadyWithoutPods() {
    AIService ai = AppTranslationTest.aiservice(App.COMFYUI);
    ai.getSpec().suspend = true;
    AIServiceStatus status = StatusCalculator.running(ai, WorkloadBuilder.build(ai, OperatorConfig.defaults()), null, List.of(), List.of(), NOW);
    assertThat(StatusCalculator.find(status, StatusCalculator.READY).orElseThrow().getReason()).isEqualTo("Suspended");
    assertThat(status.replicas).isZero();
  }

  @Test
  void aRolledOutDeploymentWithoutAvailablePodsIsNotReady() {
    AIService ai = AppTranslationTest.aiservice(App.COMFYUI);
    Deployment seen = rolledOut(WorkloadBuilder.build(ai, OperatorConfig.defaults()).deployment());
    seen.getStatus().setAvailableReplicas(0);
    AIServiceStatus status = StatusCalculator.running(ai, WorkloadBuilder.build(ai, OperatorConfig.defaults()), seen, List.of(), List.of(), NOW);
    assertThat(StatusCalculator.find(status, StatusCalculator.READY).orElseThrow().getMessage()).isEqualTo("waiting for the Deployment: 0/1 available");
    Deployment behind = rolledOut(WorkloadBuilder.build(ai, OperatorConfig.defaults()).deployment());
    behind.getStatus().setObservedGeneration(3L);
    behind.getMetadata().setGeneration(4L);
    assertThat(StatusCalculator.find(StatusCalculator.running(ai, WorkloadBuilder.build(ai, OperatorConfig.defaults()), behind, List.of(), List.of(), NOW),
        StatusCalculator.READY).orElseThrow().getStatus()).as("the controller has not seen the newest Deployment").isEqualTo("False");
  }

  /** The benchmark's overload (no Events): even the custom app reports where the store is, as a mount. */
  @Test
  void everyAppReportsWhereItFindsTheStore() {
    AIService custom = AppTranslationTest.aiservice(App.CUSTOM);
    AIServiceStatus status = StatusCalculator.running(custom, WorkloadBuilder.build(custom, OperatorConfig.defaults()), null, List.of(), NOW);
    assertThat(status.modelPaths).singleElement().satisfies(p -> {
      assertThat(p.category).isEqualTo("*");
      assertThat(p.path).isEqualTo("/models");
      assertThat(p.via).isEqualTo("mount");
    });
    assertThat(status.url).isEqualTo("http://custom.studio.svc:8080");
  }

  /** The inbox's figures by the app's folder name: both, one, none; and nothing for an app with its own data or user storage. */
  @Test
  void storageFiguresAreTheAppsOwnFolders() {
    AIService ai = AppTranslationTest.aiservice(App.COMFYUI);
    ai.getSpec().storage = new de.dhoch3.aiservices.api.StorageSpec();
    ai.getSpec().storage.serviceDir = "Comfy";
    var both = StatusCalculator.storage(ai, java.util.Map.of("data/Comfy", 500L, "output/Comfy", 4096L, "data/Other", 1L));
    assertThat(both.dataBytes).isEqualTo(500L);
    assertThat(both.outputBytes).isEqualTo(4096L);
    var outputOnly = StatusCalculator.storage(ai, java.util.Map.of("output/Comfy", 7L));
    assertThat(outputOnly.dataBytes).isNull();
    assertThat(outputOnly.outputBytes).isEqualTo(7L);
    assertThat(StatusCalculator.storage(ai, java.util.Map.of("data/Comfy", 3L)).dataBytes).isEqualTo(3L);
    assertThat(StatusCalculator.storage(ai, java.util.Map.of("data/Other", 1L))).isNull();
    assertThat(StatusCalculator.storage(ai, java.util.Map.of())).isNull();
    // figures of claims measured in the inbox's namespace are of no other namespace's AIService of the same folder name
    assertThat(StatusCalculator.storage(ai, java.util.Map.of("data/Comfy", 500L), "elsewhere")).isNull();
    assertThat(StatusCalculator.storage(ai, java.util.Map.of("data/Comfy", 500L), ai.getMetadata().getNamespace()).dataBytes).isEqualTo(500L);
    ai.getSpec().storage.user = de.dhoch3.aiservices.api.VolumeRef.claim("mine");
    assertThat(StatusCalculator.storage(ai, java.util.Map.of("data/Comfy", 500L))).as("its own user storage").isNull();
    ai.getSpec().storage.user = null;
    ai.getSpec().storage.data = de.dhoch3.aiservices.api.VolumeRef.claim("mine");
    assertThat(StatusCalculator.storage(ai, java.util.Map.of("data/Comfy", 500L))).as("its own data storage").isNull();
    AIService defaults = AppTranslationTest.aiservice(App.COMFYUI);
    defaults.getSpec().storage = null;
    assertThat(StatusCalculator.storage(defaults, java.util.Map.of("data/ComfyUI", 9L)).dataBytes).as("the catalog's folder name").isEqualTo(9L);
  }
}
