package de.dhoch3.aiservices.chaos;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.reconcile.StatusCalculator;
import de.dhoch3.aiservices.reconcile.dependents.OwnedObjectDiff;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.workload.Labels;
import de.dhoch3.aiservices.workload.Workload;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a cluster has converged, from what is stored at the end, as a pure function: each
 * AIService's owned objects equal what render prints for its spec (beyond server defaults) and
 * its status is truthful for its generation; no owned object twice; nothing foreign touched;
 * nothing left behind by a deleted AIService that garbage collection would not remove.
 */
public final class Convergence {
  /** The figures of the last line of the chaos run. */
  public record Outcome(int converged, int total, int duplicates, int foreignTouched, int stale, List<String> problems) {
    public boolean clean() {
      return converged == total && duplicates == 0 && foreignTouched == 0 && stale == 0;
    }

    public String line() {
      return "converged " + converged + "/" + total + ", duplicates " + duplicates + ", foreign objects touched " + foreignTouched
          + ", stale objects " + stale;
    }
  }

  private Convergence() {}

  /**
   * @param aiservices the AIServices that exist at the end
   * @param owned every object carrying the operator's managed-by label
   * @param deleted uid by namespace/name of the AIServices deleted during the run
   * @param foreignBefore resourceVersion by kind/namespace/name of objects the operator did not create, at the start
   * @param foreignAfter the same at the end (a missing key: deleted)
   */
  public static Outcome check(List<AIService> aiservices, List<HasMetadata> owned, Map<String, String> deleted,
      Map<String, String> foreignBefore, Map<String, String> foreignAfter, OperatorConfig config) {
    List<String> problems = new ArrayList<>();
    Map<String, List<HasMetadata>> byInstance = new HashMap<>();
    for (HasMetadata object : owned) {
      String instance = object.getMetadata().getLabels() == null ? null : object.getMetadata().getLabels().get(Labels.INSTANCE);
      if (instance != null) {
        byInstance.computeIfAbsent(object.getMetadata().getNamespace() + "/" + instance, k -> new ArrayList<>()).add(object);
      }
    }
    int duplicates = 0;
    for (List<HasMetadata> objects : byInstance.values()) {
      Map<String, Integer> perKind = new HashMap<>();
      objects.forEach(o -> perKind.merge(o.getKind(), 1, Integer::sum));
      duplicates += perKind.values().stream().mapToInt(n -> Math.max(0, n - 1)).sum();
    }
    int converged = 0;
    for (AIService ai : aiservices) {
      String id = ai.getMetadata().getNamespace() + "/" + ai.getMetadata().getName();
      List<HasMetadata> live = byInstance.getOrDefault(id, List.of());
      Optional<String> problem = problem(ai, live, config);
      if (problem.isEmpty()) {
        converged++;
      } else {
        problems.add(id + ": " + problem.get());
      }
    }
    int stale = 0;
    for (Map.Entry<String, String> gone : deleted.entrySet()) {
      for (HasMetadata left : byInstance.getOrDefault(gone.getKey(), List.of())) {
        // what still carries the owner reference is garbage collection's (the in-process server has none)
        if (left.getMetadata().getOwnerReferences().stream().noneMatch(ref -> gone.getValue().equals(ref.getUid()))) {
          stale++;
          problems.add(gone.getKey() + " (deleted): " + left.getKind() + " " + left.getMetadata().getName() + " left without owner reference");
        }
      }
    }
    int foreign = 0;
    for (Map.Entry<String, String> before : foreignBefore.entrySet()) {
      if (!Objects.equals(before.getValue(), foreignAfter.get(before.getKey()))) {
        foreign++;
        problems.add(before.getKey() + ": changed by someone");
      }
    }
    return new Outcome(converged, aiservices.size(), duplicates, foreign, stale, problems);
  }

  private static Optional<String> problem(AIService ai, List<HasMetadata> live, OperatorConfig config) {
    long generation = Optional.ofNullable(ai.getMetadata().getGeneration()).orElse(1L);
    if (ai.getStatus() == null || !Objects.equals(ai.getStatus().observedGeneration, generation)) {
      return Optional.of("status not written for generation " + generation);
    }
    for (Condition condition : ai.getStatus().conditions) {
      if (!Objects.equals(condition.getObservedGeneration(), generation)) {
        return Optional.of("condition " + condition.getType() + " is of generation " + condition.getObservedGeneration());
      }
    }
    Workload workload;
    try {
      workload = WorkloadBuilder.build(ai, config);
    } catch (InvalidSpecException invalid) {
      return stalled(ai) ? Optional.empty() : Optional.of("invalid spec but not Stalled");
    }
    for (HasMetadata desired : workload.objects()) {
      Optional<HasMetadata> match = live.stream()
          .filter(o -> o.getKind().equals(desired.getKind()) && o.getMetadata().getName().equals(desired.getMetadata().getName()))
          .findFirst();
      if (match.isEmpty()) {
        return Optional.of(desired.getKind() + " " + desired.getMetadata().getName() + " missing");
      }
      List<String> differences = OwnedObjectDiff.differences(desired, match.get(), ai.getMetadata().getUid());
      if (!differences.isEmpty()) {
        return Optional.of(desired.getKind() + " differs: " + differences);
      }
    }
    for (HasMetadata object : live) {
      boolean wanted = workload.objects().stream()
          .anyMatch(d -> d.getKind().equals(object.getKind()) && d.getMetadata().getName().equals(object.getMetadata().getName()));
      if (!wanted) {
        return Optional.of(object.getKind() + " " + object.getMetadata().getName() + " is no longer wanted but exists");
      }
    }
    Deployment deployment = (Deployment) live.stream().filter(o -> o instanceof Deployment).findFirst().orElse(null);
    boolean available = deployment != null && deployment.getStatus() != null
        && Optional.ofNullable(deployment.getStatus().getAvailableReplicas()).orElse(0) >= workload.deployment().getSpec().getReplicas()
        && Objects.equals(deployment.getStatus().getObservedGeneration(), deployment.getMetadata().getGeneration());
    String ready = StatusCalculator.find(ai.getStatus(), StatusCalculator.READY).map(Condition::getStatus).orElse("Unknown");
    if (available != "True".equals(ready)) {
      return Optional.of("Ready=" + ready + " while the Deployment is " + (available ? "" : "not ") + "available");
    }
    return Optional.empty();
  }

  private static boolean stalled(AIService ai) {
    return StatusCalculator.find(ai.getStatus(), StatusCalculator.STALLED).map(c -> "True".equals(c.getStatus())).orElse(false);
  }
}
