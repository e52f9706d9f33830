package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.workload.Workload;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The workload a reconcile built for an AIService that is not Ready yet, kept for its next
 * reconcile: the one its Deployment becoming available brings. That one would build the same
 * workload again (half of all building while AIServices are created). A kept workload counts only
 * for the same AIService (uid) at the same generation: the desired state is a pure function of
 * the spec, the name, namespace and uid, and the operator's configuration (fixed for the
 * process), and every spec change gives a new generation. Bounded in number and age; taken, not
 * shared: the reconcile that takes it is the only one using it.
 */
final class RecentWorkloads {
  static final int CAPACITY = 256;
  static final Duration MAX_AGE = Duration.ofMinutes(5);

  private record Kept(long generation, Workload workload, Instant at) {}

  private final Clock clock;
  private final int capacity;
  private final Map<String, Kept> byUid = new LinkedHashMap<>();

  RecentWorkloads(Clock clock, int capacity) {
    this.clock = clock;
    this.capacity = capacity;
  }

  /** The workload kept for exactly this AIService and generation, removed from here. */
  synchronized Optional<Workload> take(AIService ai) {
    String uid = ai.getMetadata().getUid();
    Kept kept = uid == null ? null : byUid.remove(uid);
    if (kept == null || !Objects.equals(kept.generation(), ai.getMetadata().getGeneration())
        || kept.at().plus(MAX_AGE).isBefore(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(kept.workload());
  }

  /** Keeps the workload for this AIService's next reconcile; the oldest goes beyond the capacity, and any older than the age limit. */
  synchronized void keep(AIService ai, Workload workload) {
    String uid = ai.getMetadata().getUid();
    Long generation = ai.getMetadata().getGeneration();
    if (uid == null || generation == null) {
      return;
    }
    Instant now = clock.instant();
    byUid.remove(uid);
    byUid.put(uid, new Kept(generation, workload, now));
    for (Iterator<Kept> oldest = byUid.values().iterator(); oldest.hasNext(); ) {
      Kept kept = oldest.next();
      if (byUid.size() <= capacity && !kept.at().plus(MAX_AGE).isBefore(now)) {
        break;
      }
      oldest.remove();
    }
  }

  synchronized int size() {
    return byUid.size();
  }
}
