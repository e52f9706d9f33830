package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceStatus;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.reconcile.dependents.OwnedObjectDiff;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The AIService status as kstatus, Flux and Argo CD read it, as a pure function of what was
 * observed. Conditions keep their lastTransitionTime while their status does not change, so an
 * unchanged world yields an equal status and no write.
 */
public final class StatusCalculator {
  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";

  public static final String REASON_INVALID_SPEC = "InvalidSpec";
  public static final String REASON_DATA_FOLDER_IN_USE = "DataFolderInUse";
  public static final String REASON_AVAILABLE = "Available";
  public static final String REASON_SUSPENDED = "Suspended";
  public static final String REASON_ROLLING_OUT = "RollingOut";
  public static final String REASON_SPEC_VALID = "SpecValid";
  public static final String REASON_APPLY_FAILED = "ApplyFailed";

  private StatusCalculator() {}

  /** The status of a valid AIService whose workload was applied. */
  public static AIServiceStatus running(AIService ai, Workload workload, Deployment actual, List<Pod> pods, Instant now) {
    return running(ai, workload, actual, pods, List.of(), now);
  }

  /** As above, with the Events of pods still being set up (for volumes that fail to mount). */
  public static AIServiceStatus running(AIService ai, Workload workload, Deployment actual, List<Pod> pods,
      List<io.fabric8.kubernetes.api.model.Event> podEvents, Instant now) {
    return running(ai, workload, actual, false, pods, podEvents, now);
  }

  /**
   * As above; {@code actualFoundCurrent}: this very Deployment (same uid and resourceVersion) was
   * already found to be the workload's in this reconcile, so it is not compared again (the
   * comparison was a third of the reconcile's CPU at 10,000 AIServices).
   */
  public static AIServiceStatus running(AIService ai, Workload workload, Deployment actual, boolean actualFoundCurrent, List<Pod> pods,
      List<io.fabric8.kubernetes.api.model.Event> podEvents, Instant now) {
    AIServiceStatus status = base(ai, actual, workload.deployment().getSpec().getReplicas());
    status.url = workload.url();
    status.modelPaths = workload.modelPaths().isEmpty() ? null : PrepareReport.apply(workload.modelPaths(), pods);
    status.storage = storage(ai, de.dhoch3.aiservices.storage.StorageBoard.INSTANCE.figures(),
        de.dhoch3.aiservices.storage.StorageBoard.INSTANCE.namespace());
    int desired = status.replicas;
    // the Deployment seen must be the one this generation asks for: right after an update the cache
    // may still hold the old one, fully rolled out, which says nothing about the change
    boolean current = actual != null && (actualFoundCurrent || OwnedObjectDiff.differences(workload.deployment(), actual, null).isEmpty());
    boolean rolledOut = current && actual.getStatus() != null
        && actual.getStatus().getObservedGeneration() != null
        && actual.getStatus().getObservedGeneration() >= Optional.ofNullable(actual.getMetadata().getGeneration()).orElse(0L)
        && Optional.ofNullable(actual.getStatus().getUpdatedReplicas()).orElse(0) >= desired;
    int available = actual == null || actual.getStatus() == null ? 0 : Optional.ofNullable(actual.getStatus().getAvailableReplicas()).orElse(0);
    Optional<PodProblem> problem = PodProblem.of(actual, pods, podEvents);

    List<Condition> conditions = new ArrayList<>();
    if (desired == 0) {
      conditions.add(condition(ai, READY, "True", REASON_SUSPENDED, "suspended by spec.suspend: scaled to zero, storage and config kept; set suspend: false to start", now));
      conditions.add(condition(ai, RECONCILING, "False", REASON_SUSPENDED, "nothing to roll out while suspended", now));
    } else if (rolledOut && available >= desired) {
      conditions.add(condition(ai, READY, "True", REASON_AVAILABLE, "the app is up at " + workload.url(), now));
      conditions.add(condition(ai, RECONCILING, "False", REASON_AVAILABLE, "rolled out", now));
    } else if (problem.isPresent()) {
      conditions.add(condition(ai, READY, "False", problem.get().reason(), problem.get().message(), now));
      conditions.add(condition(ai, RECONCILING, "True", problem.get().reason(), problem.get().message(), now));
    } else {
      String message = actual == null ? "creating the Deployment" : "waiting for the Deployment: " + available + "/" + desired + " available";
      conditions.add(condition(ai, READY, "False", REASON_ROLLING_OUT, message, now));
      conditions.add(condition(ai, RECONCILING, "True", REASON_ROLLING_OUT, message, now));
    }
    conditions.add(condition(ai, STALLED, "False", REASON_SPEC_VALID, "the spec is valid", now));
    status.conditions = keepTransitionTimes(ai.getStatus(), conditions);
    return status;
  }

  /** The status of an AIService that cannot be built: Stalled with every problem named. */
  public static AIServiceStatus stalled(AIService ai, InvalidSpecException problem, Deployment actual, Instant now) {
    Integer replicas = actual != null && actual.getSpec() != null ? actual.getSpec().getReplicas() : null;
    AIServiceStatus status = base(ai, actual, replicas == null ? 0 : replicas);
    AIServiceStatus previous = ai.getStatus();
    // an earlier good workload keeps running untouched: keep telling where it is
    status.url = actual != null && previous != null ? previous.url : null;
    String message = problem.getMessage();
    List<Condition> conditions = new ArrayList<>();
    String reason = problem.reason();
    conditions.add(condition(ai, READY, "False", reason, message, now));
    conditions.add(condition(ai, RECONCILING, "False", reason, "waiting for a corrected spec", now));
    conditions.add(condition(ai, STALLED, "True", reason, message, now));
    status.conditions = keepTransitionTimes(previous, conditions);
    return status;
  }

  /** The status after a failed write: not ready, still reconciling (JOSDK retries), the rest kept. */
  public static AIServiceStatus failed(AIService ai, String message, Instant now) {
    AIServiceStatus previous = ai.getStatus();
    AIServiceStatus status = new AIServiceStatus();
    status.observedGeneration = ai.getMetadata().getGeneration();
    if (previous != null) {
      status.url = previous.url;
      status.replicas = previous.replicas;
      status.readyReplicas = previous.readyReplicas;
      status.modelPaths = previous.modelPaths;
    }
    String text = "applying the workload failed, retrying: " + message;
    List<Condition> conditions = new ArrayList<>();
    conditions.add(condition(ai, READY, "False", REASON_APPLY_FAILED, text, now));
    conditions.add(condition(ai, RECONCILING, "True", REASON_APPLY_FAILED, text, now));
    conditions.add(condition(ai, STALLED, "False", REASON_SPEC_VALID, "the spec is valid", now));
    status.conditions = keepTransitionTimes(previous, conditions);
    return status;
  }

  public static Optional<Condition> find(AIServiceStatus status, String type) {
    if (status == null || status.conditions == null) {
      return Optional.empty();
    }
    return status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private static AIServiceStatus base(AIService ai, Deployment actual, int desired) {
    AIServiceStatus status = new AIServiceStatus();
    status.observedGeneration = ai.getMetadata().getGeneration();
    status.replicas = desired;
    status.readyReplicas = actual == null || actual.getStatus() == null ? 0 : Optional.ofNullable(actual.getStatus().getReadyReplicas()).orElse(0);
    return status;
  }

  private static Condition condition(AIService ai, String type, String value, String reason, String message, Instant now) {
    return new ConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
        .withObservedGeneration(ai.getMetadata().getGeneration()).withLastTransitionTime(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()).build();
  }

  private static List<Condition> keepTransitionTimes(AIServiceStatus previous, List<Condition> conditions) {
    for (Condition condition : conditions) {
      find(previous, condition.getType())
          .filter(old -> Objects.equals(old.getStatus(), condition.getStatus()) && old.getLastTransitionTime() != null)
          .ifPresent(old -> condition.setLastTransitionTime(old.getLastTransitionTime()));
    }
    return conditions;
  }

  static AIServiceStatus.Storage storage(AIService ai, java.util.Map<String, Long> figures) {
    return storage(ai, figures, null);
  }

  /**
   * The app's figures when it uses the configured data and user storage (what the inbox measures);
   * null otherwise or unknown, and null in another namespace than {@code onlyNamespace} (claims of
   * the same name in two namespaces are two different volumes).
   */
  static AIServiceStatus.Storage storage(AIService ai, java.util.Map<String, Long> figures, String onlyNamespace) {
    if (onlyNamespace != null && !onlyNamespace.equals(ai.getMetadata().getNamespace())) {
      return null;
    }
    if (figures.isEmpty() || ai.getSpec().storage != null && (ai.getSpec().storage.data != null || ai.getSpec().storage.user != null)) {
      return null;
    }
    String dir = de.dhoch3.aiservices.workload.DataFolder.serviceDir(ai);
    Long data = figures.get("data/" + dir);
    Long output = figures.get("output/" + dir);
    if (data == null && output == null) {
      return null;
    }
    AIServiceStatus.Storage storage = new AIServiceStatus.Storage();
    storage.dataBytes = data;
    storage.outputBytes = output;
    return storage;
  }
}
