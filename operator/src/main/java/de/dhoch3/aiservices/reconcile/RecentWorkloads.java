package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.workload.Workload;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 *
 * <p>When full, a new one is not kept (the oldest are dropped only once too old): Deployments become
 * available in the order they were created, so the oldest kept are the next ones taken, and a
 * backlog larger than the capacity still gets that many reused instead of none. At most 512
 * workloads (some 30 KB each) are held, for AIServices not Ready within two minutes at the most.
 *
 * <p>Where the key could fail, it costs at most one reuse within those two minutes: a CRD upgrade that
 * added schema defaults would change stored specs without a new generation (the operator is
 * upgraded, so restarted, with its CRD), and an etcd restore rewinds generations.
 */
final class RecentWorkloads {
  static final int CAPACITY = 512;
  static final Duration MAX_AGE = Duration.ofMinutes(2);

  /** JOSDK 5.2.3 InformerEventSource.PREVIOUS_ANNOTATION_KEY. */
  static final String JOSDK_PREVIOUS = io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource.PREVIOUS_ANNOTATION_KEY;

  private record Kept(long generation, Workload workload, Instant expires) {
    boolean tooOld(Instant now) {
      return expires.isBefore(now);
    }
  }

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
    if (kept == null || !Objects.equals(kept.generation(), ai.getMetadata().getGeneration()) || kept.tooOld(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(kept.workload());
  }

  /** Keeps the workload for this AIService's next reconcile, unless it is full of ones not yet too old. */
  synchronized void keep(AIService ai, Workload workload) {
    String uid = ai.getMetadata().getUid();
    Long generation = ai.getMetadata().getGeneration();
    if (uid == null || generation == null) {
      return;
    }
    Instant now = clock.instant();
    byUid.remove(uid);
    // kept in the order kept, so the too old ones are at the front: stop at the first that is not
    // (a scan of all on every keep, under this lock, was 2 % of the process' CPU at 1,000)
    for (var oldest = byUid.values().iterator(); oldest.hasNext() && oldest.next().tooOld(now); ) {
      oldest.remove();
    }
    if (byUid.size() < capacity) {
      // JOSDK's create and update wrote its bookkeeping annotation into the desired objects: a kept
      // workload must be what building again gives, or the next comparison asks for that annotation too
      workload.objects().forEach(object -> {
        if (object.getMetadata().getAnnotations() != null) {
          object.getMetadata().getAnnotations().remove(JOSDK_PREVIOUS);
        }
      });
      byUid.put(uid, new Kept(generation, workload, now.plus(MAX_AGE)));
    }
  }

  synchronized int size() {
    return byUid.size();
  }
}
