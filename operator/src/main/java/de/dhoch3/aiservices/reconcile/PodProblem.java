package de.dhoch3.aiservices.reconcile;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Why the app's pod is not running, read from the pod the way kubectl describe shows it. Pure. */
public record PodProblem(String reason, String message) {
  public static final String INSUFFICIENT_GPU = "InsufficientGPU";
  public static final String UNSCHEDULABLE = "Unschedulable";
  public static final String IMAGE_PULL = "ImagePullFailed";
  public static final String CRASH_LOOP = "CrashLooping";

  /** The first problem found among the pods, most fundamental first (scheduling before image before crashes). */
  public static Optional<PodProblem> of(List<Pod> pods) {
    List<PodProblem> found = new ArrayList<>();
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
      for (ContainerStatus status : statuses) {
        if (status.getState() == null || status.getState().getWaiting() == null) {
          continue;
        }
        String waiting = status.getState().getWaiting().getReason();
        String detail = status.getState().getWaiting().getMessage();
        String text = "container " + status.getName() + " of pod " + pod.getMetadata().getName() + ": " + waiting
            + (detail == null || detail.isBlank() ? "" : ": " + detail);
        if ("ImagePullBackOff".equals(waiting) || "ErrImagePull".equals(waiting) || "InvalidImageName".equals(waiting)) {
          found.add(new PodProblem(IMAGE_PULL, text + " (check spec.image and the registry's pull secret)"));
        } else if ("CrashLoopBackOff".equals(waiting)) {
          found.add(new PodProblem(CRASH_LOOP, text + " (kubectl logs " + pod.getMetadata().getName() + " -c " + status.getName() + " --previous)"));
        }
      }
    }
    List<String> order = List.of(INSUFFICIENT_GPU, UNSCHEDULABLE, IMAGE_PULL, CRASH_LOOP);
    return found.stream().min((a, b) -> Integer.compare(order.indexOf(a.reason), order.indexOf(b.reason)));
  }
}
