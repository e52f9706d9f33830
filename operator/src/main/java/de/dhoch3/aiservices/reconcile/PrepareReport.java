package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.api.ModelPath;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the pod's prepare step found in the store, read from its termination message
 * ({@code found <folder>} / {@code missing <folder>} lines), into {@code status.modelPaths}. Pure.
 */
final class PrepareReport {
  static final String STEP = "prepare";

  private PrepareReport() {}

  /** The model paths with {@code found} set from the newest pod that ran its prepare step; unchanged without one. */
  static List<ModelPath> apply(List<ModelPath> paths, List<Pod> pods) {
    Map<String, Boolean> found = report(pods);
    if (found.isEmpty() || paths == null) {
      return paths;
    }
    List<ModelPath> result = new ArrayList<>();
    for (ModelPath path : paths) {
      result.add(path.source != null && found.containsKey(path.source) ? path.withFound(found.get(path.source)) : path);
    }
    return result;
  }

  static Map<String, Boolean> report(List<Pod> pods) {
    Pod newest = null;
    String message = null;
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null || pod.getStatus().getInitContainerStatuses() == null) {
        continue;
      }
      for (ContainerStatus status : pod.getStatus().getInitContainerStatuses()) {
        String text = STEP.equals(status.getName()) ? terminatedMessage(status) : null;
        if (text != null && (newest == null || created(pod).compareTo(created(newest)) > 0)) {
          newest = pod;
          message = text;
        }
      }
    }
    Map<String, Boolean> found = new HashMap<>();
    if (message == null) {
      return found;
    }
    for (String line : message.split("\n")) {
      if (line.startsWith("found ")) {
        found.put(firstWord(line.substring(6)), true);
      } else if (line.startsWith("missing ")) {
        found.put(firstWord(line.substring(8)), false);
      } else if (line.startsWith("kept ")) {
        // the app's own folder or file stands where the link would go: the store's is not seen
        found.put(firstWord(line.substring(5)), false);
      }
    }
    return found;
  }

  private static String terminatedMessage(ContainerStatus status) {
    if (status.getState() != null && status.getState().getTerminated() != null) {
      return status.getState().getTerminated().getMessage();
    }
    if (status.getLastState() != null && status.getLastState().getTerminated() != null) {
      return status.getLastState().getTerminated().getMessage();
    }
    return null;
  }

  private static String firstWord(String text) {
    int end = text.indexOf(' ');
    String word = end < 0 ? text : text.substring(0, end);
    return word.endsWith(":") ? word.substring(0, word.length() - 1) : word;
  }

  private static String created(Pod pod) {
    return pod.getMetadata().getCreationTimestamp() == null ? "" : pod.getMetadata().getCreationTimestamp();
  }
}
