package de.dhoch3.aiservices.reconcile;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Why the app's pod is not running, read from the Deployment's conditions, the pods and the pods'
 * Events the way {@code kubectl describe} shows them. Pure.
 */
public record PodProblem(String reason, String message) {
  public static final String POD_CREATION_FAILED = "PodCreationFailed";
  public static final String INSUFFICIENT_GPU = "InsufficientGPU";
  public static final String UNSCHEDULABLE = "Unschedulable";
  public static final String MOUNT_FAILED = "MountFailed";
  public static final String CONFIG_ERROR = "ContainerConfigError";
  public static final String IMAGE_PULL = "ImagePullFailed";
  public static final String CRASH_LOOP = "CrashLooping";
  /** The prepare step stopped the pod: a link or a folder it could not make, a store folder a mount needs. */
  public static final String PREPARE_FAILED = "PrepareFailed";
  public static final String PROGRESS_DEADLINE = "ProgressDeadlineExceeded";
  /** Most fundamental first: no pod at all, then scheduling, volumes, config, image, crashes, and the rollout timing out. */
  static final List<String> ORDER = List.of(POD_CREATION_FAILED, INSUFFICIENT_GPU, UNSCHEDULABLE, MOUNT_FAILED, CONFIG_ERROR,
      IMAGE_PULL, PREPARE_FAILED, CRASH_LOOP, PROGRESS_DEADLINE);
  /** Container waiting reasons of a pod still being set up: volumes may be failing to mount. */
  static final List<String> CREATING = List.of("ContainerCreating", "PodInitializing");

  /** Without a Deployment or Events (tests of pod states alone). */
  public static Optional<PodProblem> of(List<Pod> pods) {
    return of(null, pods, List.of());
  }

  /**
   * The first problem found, most fundamental first.
   *
   * @param podEvents Events about the pods (only FailedMount / FailedAttachVolume are read)
   */
  public static Optional<PodProblem> of(Deployment deployment, List<Pod> pods, List<Event> podEvents) {
    List<PodProblem> found = new ArrayList<>();
    if (deployment != null && deployment.getStatus() != null && deployment.getStatus().getConditions() != null) {
      for (DeploymentCondition condition : deployment.getStatus().getConditions()) {
        if ("ReplicaFailure".equals(condition.getType()) && "True".equals(condition.getStatus())) {
          // the ReplicaSet could not create the pod: Pod Security admission, a quota, a webhook
          found.add(new PodProblem(POD_CREATION_FAILED, "the pod cannot be created: " + condition.getMessage()
              + " (a namespace Pod Security level, a ResourceQuota or an admission webhook refuses it; hostPath storage needs Pod Security privileged)"));
        }
        if ("Progressing".equals(condition.getType()) && "False".equals(condition.getStatus())
            && PROGRESS_DEADLINE.equals(condition.getReason())) {
          found.add(new PodProblem(PROGRESS_DEADLINE, "the rollout made no progress within its deadline: " + condition.getMessage()));
        }
      }
    }
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null) {
        continue;
      }
      if (pod.getStatus().getConditions() != null) {
        for (PodCondition condition : pod.getStatus().getConditions()) {
          if ("PodScheduled".equals(condition.getType()) && "False".equals(condition.getStatus())
              && "Unschedulable".equals(condition.getReason())) {
            String message = condition.getMessage() == null ? "" : condition.getMessage();
            boolean gpu = message.contains("nvidia.com/gpu") || message.toLowerCase().contains("gpu");
            found.add(new PodProblem(gpu ? INSUFFICIENT_GPU : UNSCHEDULABLE, "pod " + pod.getMetadata().getName() + " cannot be scheduled: " + message));
          }
        }
      }
      List<ContainerStatus> statuses = new ArrayList<>();
      if (pod.getStatus().getInitContainerStatuses() != null) {
        statuses.addAll(pod.getStatus().getInitContainerStatuses());
      }
      if (pod.getStatus().getContainerStatuses() != null) {
        statuses.addAll(pod.getStatus().getContainerStatuses());
      }
      if (pod.getStatus().getInitContainerStatuses() != null) {
        for (ContainerStatus status : pod.getStatus().getInitContainerStatuses()) {
          prepareFailure(pod, status).ifPresent(found::add);
        }
      }
      for (ContainerStatus status : statuses) {
        if (status.getState() == null || status.getState().getWaiting() == null) {
          continue;
        }
        String waiting = status.getState().getWaiting().getReason();
        String detail = status.getState().getWaiting().getMessage();
        String text = "container " + status.getName() + " of pod " + pod.getMetadata().getName() + ": " + waiting
            + (detail == null || detail.isBlank() ? "" : ": " + detail);
        if ("CreateContainerConfigError".equals(waiting) || "CreateContainerError".equals(waiting)) {
          found.add(new PodProblem(CONFIG_ERROR, text + " (a Secret or ConfigMap named in spec.env or spec.auth is missing, or a key in it)"));
        } else if (CREATING.contains(waiting)) {
          mountFailure(pod, podEvents).ifPresent(found::add);
        } else if ("ImagePullBackOff".equals(waiting) || "ErrImagePull".equals(waiting) || "InvalidImageName".equals(waiting)) {
          found.add(new PodProblem(IMAGE_PULL, text + " (check spec.image and the registry's pull secret)"));
        } else if ("CrashLoopBackOff".equals(waiting)) {
          found.add(new PodProblem(CRASH_LOOP, text + " (kubectl logs " + pod.getMetadata().getName() + " -c " + status.getName() + " --previous)"));
        }
      }
    }
    return found.stream().min((a, b) -> Integer.compare(ORDER.indexOf(a.reason), ORDER.indexOf(b.reason)));
  }

  /** The prepare step's own words when it stopped the pod (its "failed" or "missing ...: spec.models mounts it" lines). */
  private static Optional<PodProblem> prepareFailure(Pod pod, ContainerStatus status) {
    if (!"prepare".equals(status.getName())) {
      return Optional.empty();
    }
    var terminated = status.getState() != null && status.getState().getTerminated() != null ? status.getState().getTerminated()
        : status.getLastState() != null ? status.getLastState().getTerminated() : null;
    if (terminated == null || terminated.getExitCode() == null || terminated.getExitCode() == 0 || terminated.getMessage() == null) {
      return Optional.empty();
    }
    List<String> lines = terminated.getMessage().lines()
        .filter(line -> line.startsWith("failed ") || line.startsWith("missing ") && line.contains(": ")).toList();
    if (lines.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new PodProblem(PREPARE_FAILED, "the prepare step of pod " + pod.getMetadata().getName() + " stopped the app: "
        + String.join("; ", lines)));
  }

  /** The newest FailedMount / FailedAttachVolume Event of a pod that is still being set up. */
  private static Optional<PodProblem> mountFailure(Pod pod, List<Event> events) {
    return events.stream()
        .filter(e -> e.getInvolvedObject() != null && pod.getMetadata().getName().equals(e.getInvolvedObject().getName()))
        .filter(e -> "FailedMount".equals(e.getReason()) || "FailedAttachVolume".equals(e.getReason()))
        .reduce((first, second) -> second)
        .map(e -> new PodProblem(MOUNT_FAILED, "pod " + pod.getMetadata().getName() + " cannot mount its volumes: " + e.getMessage()
            + " (a hostPath folder must exist on the node, a claim must exist and be bound)"));
  }

  /** Pods still being set up: their volume Events are worth reading, and worth reading again later. */
  public static List<Pod> beingCreated(List<Pod> pods) {
    List<Pod> creating = new ArrayList<>();
    for (Pod pod : pods) {
      if (pod.getStatus() == null || pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      List<ContainerStatus> statuses = new ArrayList<>();
      if (pod.getStatus().getInitContainerStatuses() != null) {
        statuses.addAll(pod.getStatus().getInitContainerStatuses());
      }
      if (pod.getStatus().getContainerStatuses() != null) {
        statuses.addAll(pod.getStatus().getContainerStatuses());
      }
      if (statuses.stream().anyMatch(s -> s.getState() != null && s.getState().getWaiting() != null
          && CREATING.contains(s.getState().getWaiting().getReason()))) {
        creating.add(pod);
      }
    }
    return creating;
  }
}
