package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The test plays the scheduler and kubelet by writing Pod status; the AIService must tell the truth about it. */
class PodStatusTest extends OperatorScenario {
  @Test
  void unschedulableForWantOfAGpuSaysInsufficientGpuWithTheSchedulersMessage() {
    String scheduler = "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) had untolerated taint {node-role: control-plane}.";
    AIService ai = runWithPod("waiting", new PodStatusBuilder().withPhase("Pending")
        .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable").withMessage(scheduler).endCondition()
        .build());

    Condition ready = condition(ai, StatusCalculator.READY).orElseThrow();
    assertThat(ready.getReason()).isEqualTo(PodProblem.INSUFFICIENT_GPU);
    assertThat(ready.getMessage()).contains(scheduler);
    assertThat(condition(ai, StatusCalculator.STALLED).orElseThrow().getStatus()).isEqualTo("False");
    assertThat(events("waiting")).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo(PodProblem.INSUFFICIENT_GPU);
      assertThat(e.getType()).isEqualTo("Warning");
    });
  }

  @Test
  void otherSchedulingFailuresSayUnschedulable() {
    AIService ai = runWithPod("pinned", new PodStatusBuilder().withPhase("Pending")
        .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.").endCondition()
        .build());
    assertThat(condition(ai, StatusCalculator.READY).orElseThrow().getReason()).isEqualTo(PodProblem.UNSCHEDULABLE);
  }

  @Test
  void imagePullFailuresAndCrashLoopsAreReported() {
    AIService pulling = runWithPod("bad-image", waiting("ErrImagePull", "rpc error: manifest unknown"));
    assertThat(condition(pulling, StatusCalculator.READY).orElseThrow())
        .satisfies(c -> {
          assertThat(c.getReason()).isEqualTo(PodProblem.IMAGE_PULL);
          assertThat(c.getMessage()).contains("manifest unknown").contains("spec.image");
        });

    AIService crashing = runWithPod("crasher", waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container"));
    assertThat(condition(crashing, StatusCalculator.READY).orElseThrow().getReason()).isEqualTo(PodProblem.CRASH_LOOP);
    assertThat(events("crasher")).extracting(Event::getReason).contains(PodProblem.CRASH_LOOP);
  }

  @Test
  void draModeCreatesTheClaimTemplateThroughTheReconciler() {
    AIService ai = aiservice("dra-app", App.COMFYUI);
    ai.getSpec().gpu = new GpuSpec();
    ai.getSpec().gpu.mode = GpuSpec.Mode.DRA;
    harness.create(ai);
    harness.awaitStatus("dra-app", a -> a.getStatus().observedGeneration == 1L);
    org.awaitility.Awaitility.await().untilAsserted(() -> {
      ResourceClaimTemplate template = harness.client.resources(ResourceClaimTemplate.class).inNamespace(NS).withName("dra-app-gpu").get();
      assertThat(template).isNotNull();
      assertThat(template.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(ref -> assertThat(ref.getName()).isEqualTo("dra-app"));
    });
    assertThat(harness.deployment("dra-app").getSpec().getTemplate().getSpec().getResourceClaims()).hasSize(1);
  }

  private static PodStatus waiting(String reason, String message) {
    return new PodStatusBuilder().withPhase("Pending")
        .addNewCondition().withType("PodScheduled").withStatus("True").endCondition()
        .addNewContainerStatus().withName("app").withReady(false).withRestartCount(3)
          .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState()
        .endContainerStatus()
        .build();
  }

  /** Creates the AIService, then the pod its Deployment would have, with the given status. */
  private static AIService runWithPod(String name, PodStatus status) {
    harness.create(aiservice(name, App.COMFYUI));
    harness.awaitStatus(name, a -> a.getStatus().observedGeneration == 1L);
    var template = harness.deployment(name).getSpec().getTemplate();
    Pod pod = new PodBuilder()
        .withNewMetadata().withName(name + "-7d4b9c-x2x9q").withNamespace(NS).withLabels(template.getMetadata().getLabels()).endMetadata()
        .withSpec(template.getSpec())
        .withStatus(status)
        .build();
    assertThat(pod.getMetadata().getLabels()).containsKey(Labels.INSTANCE);
    harness.client.resource(pod).create();
    Predicate<AIService> reported = a -> condition(a, StatusCalculator.READY)
        .map(c -> List.of(PodProblem.INSUFFICIENT_GPU, PodProblem.UNSCHEDULABLE, PodProblem.IMAGE_PULL, PodProblem.CRASH_LOOP).contains(c.getReason()))
        .orElse(false);
    return harness.awaitStatus(name, reported);
  }

  private static List<Event> events(String name) {
    return harness.client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }
}
