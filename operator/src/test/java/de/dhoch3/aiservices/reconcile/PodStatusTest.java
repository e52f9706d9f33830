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
  void aPrepareStepThatCouldNotMakeALinkStopsThePodAndTheStatusNamesThePath() {
    // as kubelet reports an init container that exited 1 and is backing off: its termination message is the step's report
    PodStatus status = new PodStatusBuilder().withPhase("Pending")
        .addNewCondition().withType("PodScheduled").withStatus("True").endCondition()
        .addNewInitContainerStatus().withName("prepare").withReady(false).withRestartCount(2)
          .withNewState().withNewWaiting().withReason("CrashLoopBackOff").withMessage("back-off 20s").endWaiting().endState()
          .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error")
            .withMessage("found checkpoints\nfailed store/loras: cannot link it to the store's loras\n").endTerminated().endLastState()
        .endInitContainerStatus()
        .build();
    AIService ai = runWithPod("prepare-fails", status);
    assertThat(condition(ai, StatusCalculator.READY).orElseThrow()).satisfies(c -> {
      assertThat(c.getReason()).isEqualTo("PrepareFailed");
      assertThat(c.getMessage()).contains("failed store/loras: cannot link it to the store's loras");
    });
  }

  @Test
  void aMissingSecretIsReportedAsContainerConfigError() {
    AIService ai = runWithPod("no-secret", waiting("CreateContainerConfigError", "secret \"hf-token\" not found"));
    var ready = condition(ai, StatusCalculator.READY).orElseThrow();
    assertThat(ready.getReason()).isEqualTo(PodProblem.CONFIG_ERROR);
    assertThat(ready.getMessage()).contains("secret \"hf-token\" not found");
    assertThat(events("no-secret")).extracting(Event::getReason).contains(PodProblem.CONFIG_ERROR);
  }

  @Test
  void aVolumeThatCannotMountIsReportedWithKubeletsMessage() {
    String name = "no-folder";
    String podName = name + "-7d4b9c-x2x9q";
    // kubelet's Event, as `kubectl describe pod` shows it
    harness.client.v1().events().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.EventBuilder()
        .withNewMetadata().withName(podName + ".failedmount").withNamespace(NS).endMetadata()
        .withNewInvolvedObject().withKind("Pod").withName(podName).withNamespace(NS).endInvolvedObject()
        .withReason("FailedMount").withType("Warning")
        .withMessage("MountVolume.SetUp failed for volume \"models\" : hostPath type check failed: /vol/service/cw/storage-models/models is not a directory")
        .build()).create();
    AIService ai = runWithPod(name, waiting("ContainerCreating", null));
    var ready = condition(ai, StatusCalculator.READY).orElseThrow();
    assertThat(ready.getReason()).isEqualTo(PodProblem.MOUNT_FAILED);
    assertThat(ready.getMessage()).contains("hostPath type check failed: /vol/service/cw/storage-models/models is not a directory");
  }

  @Test
  void podsRefusedAtCreationAndStuckRolloutsAreReportedFromTheDeployment() {
    String name = "refused";
    harness.create(aiservice(name, App.COMFYUI));
    harness.awaitStatus(name, a -> a.getStatus().observedGeneration == 1L);
    String admission = "pods \"refused-7d4b9c-x2x9q\" is forbidden: violates PodSecurity \"baseline:latest\": hostPath volumes (volumes \"models\", \"data\", \"user\")";
    setDeploymentConditions(name, new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
        .withType("ReplicaFailure").withStatus("True").withReason("FailedCreate").withMessage(admission).build());
    AIService ai = harness.awaitStatus(name, a -> condition(a, StatusCalculator.READY).map(c -> PodProblem.POD_CREATION_FAILED.equals(c.getReason())).orElse(false));
    assertThat(condition(ai, StatusCalculator.READY).orElseThrow().getMessage()).contains(admission).contains("Pod Security");
    assertThat(events(name)).extracting(Event::getReason).contains(PodProblem.POD_CREATION_FAILED);

    setDeploymentConditions(name, new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
        .withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
        .withMessage("ReplicaSet \"refused-7d4b9c\" has timed out progressing.").build());
    ai = harness.awaitStatus(name, a -> condition(a, StatusCalculator.READY).map(c -> PodProblem.PROGRESS_DEADLINE.equals(c.getReason())).orElse(false));
    assertThat(condition(ai, StatusCalculator.READY).orElseThrow().getMessage()).contains("has timed out progressing");
  }

  @Test
  void thePrepareStepsReportSaysWhichStoreFoldersWereFound() {
    String name = "reported";
    // as kubelet reports a finished init container: its termination message
    createWithPod(name, new PodStatusBuilder().withPhase("Running")
        .addNewInitContainerStatus().withName("prepare").withReady(true).withRestartCount(0)
          .withNewState().withNewTerminated().withExitCode(0).withReason("Completed")
            .withMessage("found checkpoints\nmissing loras\nfound text_encoders\nmissing clip\n").endTerminated().endState()
        .endInitContainerStatus()
        .build());
    AIService ai = harness.awaitStatus(name, a -> a.getStatus().modelPaths.stream().anyMatch(p -> p.found != null));
    var byPath = ai.getStatus().modelPaths.stream().collect(java.util.stream.Collectors.toMap(p -> p.path, p -> p));
    assertThat(byPath.get("/models/checkpoints").found).isTrue();
    assertThat(byPath.get("/models/loras").found).isFalse();
    assertThat(byPath.get("/models/clip").found).isFalse();
    assertThat(byPath.get("/models/text_encoders").found).isTrue();
    assertThat(byPath.get("/models/vae").found).as("not in the report: unknown").isNull();
  }

  private static void setDeploymentConditions(String name, io.fabric8.kubernetes.api.model.apps.DeploymentCondition condition) {
    harness.client.apps().deployments().inNamespace(NS).withName(name).editStatus(d -> {
      d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
          .withObservedGeneration(d.getMetadata().getGeneration()).withReplicas(0).withConditions(condition).build());
      return d;
    });
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

    // leaving dra frees the claim template: nothing of the old mode stays behind
    AIService changed = harness.get("dra-app");
    changed.getSpec().gpu.mode = GpuSpec.Mode.EXCLUSIVE;
    harness.client.resource(changed).update();
    org.awaitility.Awaitility.await().untilAsserted(() -> {
      assertThat(harness.client.resources(ResourceClaimTemplate.class).inNamespace(NS).withName("dra-app-gpu").get()).isNull();
      var pod = harness.deployment("dra-app").getSpec().getTemplate().getSpec();
      assertThat(pod.getResourceClaims()).isEmpty();
      assertThat(pod.getContainers().get(0).getResources().getLimits()).containsKey("nvidia.com/gpu");
    });
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
    createWithPod(name, status);
    Predicate<AIService> reported = a -> condition(a, StatusCalculator.READY)
        .map(c -> PodProblem.ORDER.contains(c.getReason()))
        .orElse(false);
    return harness.awaitStatus(name, reported);
  }

  private static void createWithPod(String name, PodStatus status) {
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
  }

  private static List<Event> events(String name) {
    return harness.client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }
}
