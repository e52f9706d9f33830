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
}
