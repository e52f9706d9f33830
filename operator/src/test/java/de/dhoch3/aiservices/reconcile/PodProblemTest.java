package de.dhoch3.aiservices.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Why a pod cannot run, read as kubectl describe shows it: reasons and the words Kubernetes uses
 * (kubelet's waiting reasons, the scheduler's PodScheduled condition, the ReplicaSet's
 * ReplicaFailure, the Deployment's ProgressDeadlineExceeded), most fundamental first.
 */
class PodProblemTest {
  private static Pod pod(String name, PodStatusBuilder status) {
    return new PodBuilder().withNewMetadata().withName(name).endMetadata().withStatus(status.build()).build();
  }

  private static PodStatusBuilder waiting(String container, String reason, String message) {
    return new PodStatusBuilder().addNewContainerStatus().withName(container)
        .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState().endContainerStatus();
  }

  private static Optional<PodProblem> of(Pod... pods) {
    return PodProblem.of(List.of(pods));
  }

  @Test
  void kubeletsWaitingReasonsNameTheirProblem() {
    assertThat(of(pod("p", waiting("app", "ErrImagePull", "manifest unknown"))).orElseThrow())
        .satisfies(p -> {
          assertThat(p.reason()).isEqualTo("ImagePullFailed");
          assertThat(p.message()).isEqualTo("container app of pod p: ErrImagePull: manifest unknown (check spec.image and the registry's pull secret)");
        });
    assertThat(of(pod("p", waiting("app", "ImagePullBackOff", ""))).orElseThrow().reason()).isEqualTo("ImagePullFailed");
    assertThat(of(pod("p", waiting("app", "InvalidImageName", null))).orElseThrow().reason()).isEqualTo("ImagePullFailed");
    assertThat(of(pod("p", waiting("app", "CrashLoopBackOff", "back-off"))).orElseThrow().message())
        .isEqualTo("container app of pod p: CrashLoopBackOff: back-off (kubectl logs p -c app --previous)");
    assertThat(of(pod("p", waiting("app", "CreateContainerConfigError", "secret \"hf\" not found"))).orElseThrow().reason())
        .isEqualTo("ContainerConfigError");
    assertThat(of(pod("p", waiting("app", "CreateContainerError", "x"))).orElseThrow().reason()).isEqualTo("ContainerConfigError");
    assertThat(of(pod("p", waiting("app", "ContainerCreating", "")))).as("still being set up, no Event").isEmpty();
    assertThat(of(pod("p", new PodStatusBuilder().addNewContainerStatus().withName("app").withNewState().withNewRunning().endRunning()
        .endState().endContainerStatus()))).isEmpty();
  }

  @Test
  void theSchedulersWordsSayWhetherAGpuIsMissing() {
    PodStatusBuilder gpu = new PodStatusBuilder().addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage("0/1 nodes are available: 1 Insufficient nvidia.com/gpu.").endCondition();
    assertThat(of(pod("p", gpu)).orElseThrow()).satisfies(p -> {
      assertThat(p.reason()).isEqualTo("InsufficientGPU");
      assertThat(p.message()).isEqualTo("pod p cannot be scheduled: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu.");
    });
    PodStatusBuilder taint = new PodStatusBuilder().addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage("0/1 nodes are available: 1 node(s) had untolerated taint.").endCondition();
    assertThat(of(pod("p", taint)).orElseThrow().reason()).isEqualTo("Unschedulable");
    PodStatusBuilder scheduled = new PodStatusBuilder().addNewCondition().withType("PodScheduled").withStatus("True").endCondition();
    assertThat(of(pod("p", scheduled))).isEmpty();
  }

  @Test
  void theMostFundamentalProblemWins() {
    // scheduling before images, images before crashes, the prepare step before crashes
    PodStatusBuilder both = waiting("app", "CrashLoopBackOff", "x").addNewCondition().withType("PodScheduled").withStatus("False")
        .withReason("Unschedulable").withMessage("Insufficient nvidia.com/gpu").endCondition();
    assertThat(of(pod("a", both)).orElseThrow().reason()).isEqualTo("InsufficientGPU");
    assertThat(of(pod("a", waiting("app", "CrashLoopBackOff", "x")), pod("b", waiting("app", "ErrImagePull", "y"))).orElseThrow().reason())
        .isEqualTo("ImagePullFailed");
    Pod prepare = pod("c", new PodStatusBuilder().addNewInitContainerStatus().withName("prepare")
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").withMessage("back-off").endWaiting().endState()
        .withNewLastState().withNewTerminated().withExitCode(1).withMessage("found loras\nfailed store/vae: cannot link it\n").endTerminated().endLastState()
        .endInitContainerStatus());
    assertThat(of(prepare).orElseThrow()).satisfies(p -> {
      assertThat(p.reason()).isEqualTo("PrepareFailed");
      assertThat(p.message()).isEqualTo("the prepare step of pod c stopped the app: failed store/vae: cannot link it");
    });
    // a prepare step that ended well, or another init container failing, is no prepare failure
    Pod fine = pod("d", new PodStatusBuilder().addNewInitContainerStatus().withName("prepare")
        .withNewState().withNewTerminated().withExitCode(0).withMessage("found loras\n").endTerminated().endState().endInitContainerStatus());
    assertThat(of(fine)).isEmpty();
    Pod other = pod("e", new PodStatusBuilder().addNewInitContainerStatus().withName("seed-database")
        .withNewState().withNewTerminated().withExitCode(1).withMessage("failed x: y").endTerminated().endState().endInitContainerStatus());
    assertThat(of(other)).isEmpty();
    Pod deleted = new PodBuilder(pod("f", waiting("app", "ErrImagePull", "x"))).editMetadata().withDeletionTimestamp("2026-12-06T21:00:00Z").endMetadata().build();
    assertThat(of(deleted)).as("a pod going away says nothing").isEmpty();
  }

  @Test
  void theDeploymentTellsOfPodsNeverCreatedAndOfStuckRollouts() {
    Deployment refused = new DeploymentBuilder().withNewStatus().addNewCondition().withType("ReplicaFailure").withStatus("True")
        .withMessage("pods \"x\" is forbidden: violates PodSecurity").endCondition().endStatus().build();
    assertThat(PodProblem.of(refused, List.of(), List.of()).orElseThrow()).satisfies(p -> {
      assertThat(p.reason()).isEqualTo("PodCreationFailed");
      assertThat(p.message()).startsWith("the pod cannot be created: pods \"x\" is forbidden: violates PodSecurity");
    });
    Deployment stuck = new DeploymentBuilder().withNewStatus().addNewCondition().withType("Progressing").withStatus("False")
        .withReason("ProgressDeadlineExceeded").withMessage("ReplicaSet has timed out").endCondition().endStatus().build();
    assertThat(PodProblem.of(stuck, List.of(), List.of()).orElseThrow().reason()).isEqualTo("ProgressDeadlineExceeded");
    Deployment progressing = new DeploymentBuilder().withNewStatus().addNewCondition().withType("Progressing").withStatus("True")
        .withReason("NewReplicaSetAvailable").endCondition().endStatus().build();
    assertThat(PodProblem.of(progressing, List.of(), List.of())).isEmpty();
  }

  @Test
  void aVolumeThatCannotMountIsReadFromKubeletsEventsWhileThePodIsBeingSetUp() {
    Pod creating = pod("p", waiting("app", "ContainerCreating", ""));
    Event mount = new EventBuilder().withReason("FailedMount").withMessage("hostPath type check failed: /vol/x is not a directory")
        .withNewInvolvedObject().withName("p").endInvolvedObject().build();
    Event elsewhere = new EventBuilder().withReason("FailedMount").withMessage("other").withNewInvolvedObject().withName("q").endInvolvedObject().build();
    assertThat(PodProblem.of(null, List.of(creating), List.of(elsewhere, mount)).orElseThrow()).satisfies(p -> {
      assertThat(p.reason()).isEqualTo("MountFailed");
      assertThat(p.message()).startsWith("pod p cannot mount its volumes: hostPath type check failed: /vol/x is not a directory");
    });
    assertThat(PodProblem.of(null, List.of(creating), List.of(elsewhere))).isEmpty();
    assertThat(PodProblem.beingCreated(List.of(creating, pod("r", waiting("app", "CrashLoopBackOff", "x"))))).extracting(x -> x.getMetadata().getName())
        .containsExactly("p");
  }

  @Test
  void anInitContainerThatCannotPullItsImageIsAnImageProblem() {
    Pod pod = pod("p", new PodStatusBuilder().addNewInitContainerStatus().withName("prepare")
        .withNewState().withNewWaiting().withReason("ErrImagePull").withMessage("busybox:9 not found").endWaiting().endState().endInitContainerStatus()
        .addNewContainerStatus().withName("app").withNewState().withNewWaiting().withReason("PodInitializing").endWaiting().endState().endContainerStatus());
    assertThat(of(pod).orElseThrow()).satisfies(p -> {
      assertThat(p.reason()).isEqualTo("ImagePullFailed");
      assertThat(p.message()).isEqualTo("container prepare of pod p: ErrImagePull: busybox:9 not found (check spec.image and the registry's pull secret)");
    });
  }

  @Test
  void thePrepareStepsFailureIsReadFromItsCurrentOrLastTermination() {
    Pod now = pod("a", new PodStatusBuilder().addNewInitContainerStatus().withName("prepare")
        .withNewState().withNewTerminated().withExitCode(2).withMessage("missing loras: spec.models mounts it\nmissing the point\nok vae\n")
        .endTerminated().endState().endInitContainerStatus());
    assertThat(of(now).orElseThrow().message()).isEqualTo("the prepare step of pod a stopped the app: missing loras: spec.models mounts it");
    Pod noWords = pod("b", new PodStatusBuilder().addNewInitContainerStatus().withName("prepare")
        .withNewState().withNewTerminated().withExitCode(1).withMessage("missing the point\nsegfault\n").endTerminated().endState().endInitContainerStatus());
    assertThat(of(noWords)).as("no line of the prepare step's own").isEmpty();
    Pod noMessage = pod("c", new PodStatusBuilder().addNewInitContainerStatus().withName("prepare")
        .withNewState().withNewTerminated().withExitCode(1).endTerminated().endState().endInitContainerStatus());
    assertThat(of(noMessage)).isEmpty();
    Pod noExitCode = pod("d", new PodStatusBuilder().addNewInitContainerStatus().withName("prepare")
        .withNewState().withNewTerminated().withMessage("failed x: y").endTerminated().endState().endInitContainerStatus());
    assertThat(of(noExitCode)).isEmpty();
  }

  @Test
  void theNewestMountOrAttachEventOfThatPodIsReported() {
    Pod creating = pod("p", new PodStatusBuilder().addNewInitContainerStatus().withName("prepare")
        .withNewState().withNewWaiting().withReason("PodInitializing").endWaiting().endState().endInitContainerStatus());
    Event older = new EventBuilder().withReason("FailedMount").withMessage("first").withNewInvolvedObject().withName("p").endInvolvedObject().build();
    Event attach = new EventBuilder().withReason("FailedAttachVolume").withMessage("multi-attach error").withNewInvolvedObject().withName("p").endInvolvedObject().build();
    Event scheduled = new EventBuilder().withReason("Scheduled").withMessage("assigned").withNewInvolvedObject().withName("p").endInvolvedObject().build();
    Event unnamed = new EventBuilder().withReason("FailedMount").withMessage("no object").build();
    assertThat(PodProblem.of(null, List.of(creating), List.of(older, attach, scheduled, unnamed)).orElseThrow().message())
        .isEqualTo("pod p cannot mount its volumes: multi-attach error (a hostPath folder must exist on the node, a claim must exist and be bound)");
    assertThat(PodProblem.of(null, List.of(creating), List.of(scheduled, unnamed))).isEmpty();
  }

  @Test
  void onlyPodsStillBeingSetUpAreBeingCreated() {
    Pod initializing = pod("init", new PodStatusBuilder().addNewInitContainerStatus().withName("prepare")
        .withNewState().withNewWaiting().withReason("PodInitializing").endWaiting().endState().endInitContainerStatus());
    Pod going = new PodBuilder(pod("going", waiting("app", "ContainerCreating", ""))).editMetadata()
        .withDeletionTimestamp("2026-12-06T21:00:00Z").endMetadata().build();
    Pod noStatus = new PodBuilder().withNewMetadata().withName("new").endMetadata().build();
    Pod running = pod("running", new PodStatusBuilder().addNewContainerStatus().withName("app").withNewState().withNewRunning().endRunning()
        .endState().endContainerStatus());
    assertThat(PodProblem.beingCreated(List.of(initializing, going, noStatus, running))).extracting(x -> x.getMetadata().getName())
        .containsExactly("init");
  }
}
