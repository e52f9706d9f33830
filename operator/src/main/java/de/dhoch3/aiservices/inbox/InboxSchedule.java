package de.dhoch3.aiservices.inbox;

import de.dhoch3.aiservices.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the inbox's CronJob as the configuration says, written by the operator's own identity
 * (which the admission policy checks): created when missing (also after a hand deletion, within
 * {@link #RECHECK}), replaced when the configuration changed, otherwise left alone. What the
 * operator wrote is recorded as a hash of the desired CronJob in an annotation: the server's
 * defaults in the pod template never look like a change. Runs only on the leader.
 */
public final class InboxSchedule implements AutoCloseable {
  public static final String DESIRED_HASH = "ai.dhoch3.de/desired-hash";
  static final Duration RECHECK = Duration.ofMinutes(10);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "inbox-schedule");
    thread.setDaemon(true);
    return thread;
  });

  private InboxSchedule() {}

  /** Ensures the CronJob now and every {@link #RECHECK}; a failure is logged and tried again then. */
  public static InboxSchedule start(KubernetesClient client, OperatorConfig config, io.micrometer.core.instrument.MeterRegistry registry,
      java.io.PrintStream log) {
    InboxSchedule schedule = new InboxSchedule();
    schedule.timer.scheduleWithFixedDelay(() -> {
      try {
        ensure(client, config);
      } catch (KubernetesClientException e) {
        log.println("aiservice-operator: the inbox CronJob could not be written (tried again in " + RECHECK.toMinutes() + " minutes): "
            + e.getMessage());
      }
    }, 0, RECHECK.toSeconds(), TimeUnit.SECONDS);
    InboxRecords records = new InboxRecords(registry, config);
    schedule.timer.scheduleWithFixedDelay(() -> {
      try {
        records.record(client, config);
        records.measure(client, config);
      } catch (KubernetesClientException e) {
        log.println("aiservice-operator: the inbox's records could not be written (tried again in a minute): " + e.getMessage());
      }
    }, 30, 60, TimeUnit.SECONDS);
    return schedule;
  }

  /** One check: returns what it did (created, replaced, unchanged). */
  public static String ensure(KubernetesClient client, OperatorConfig config) {
    CronJob desired = InboxCronJob.desired(config, retention(client, config));
    String hash = hash(desired);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(DESIRED_HASH, hash);
    desired.getMetadata().setAnnotations(annotations);
    var resource = client.batch().v1().cronjobs().inNamespace(config.inbox.namespace).withName(InboxCronJob.NAME);
    CronJob actual = resource.get();
    if (actual == null) {
      client.resource(desired).create();
      return "created";
    }
    Map<String, String> have = actual.getMetadata().getAnnotations();
    if (have != null && hash.equals(have.get(DESIRED_HASH)) && desired.getMetadata().getLabels().equals(actual.getMetadata().getLabels())) {
      return "unchanged";
    }
    desired.getMetadata().setResourceVersion(actual.getMetadata().getResourceVersion());
    client.resource(desired).update();
    return "replaced";
  }

  /** The AIServices of the inbox's namespace that opted into output retention: their output folder and days. */
  static Map<String, Integer> retention(KubernetesClient client, OperatorConfig config) {
    Map<String, Integer> retention = new java.util.TreeMap<>();
    for (var ai : client.resources(de.dhoch3.aiservices.api.AIService.class).inNamespace(config.inbox.namespace).list().getItems()) {
      // only an AIService that runs as it is (not stalled, e.g. held back by a folder another one holds) and writes its
      // outputs to the configured user share: its output folder is then its own, cluster-wide
      boolean current = ai.getStatus() != null && ai.getMetadata().getGeneration() != null
          && ai.getMetadata().getGeneration().equals(ai.getStatus().observedGeneration)
          && de.dhoch3.aiservices.reconcile.StatusCalculator.find(ai.getStatus(), de.dhoch3.aiservices.reconcile.StatusCalculator.STALLED)
              .map(c -> "False".equals(c.getStatus())).orElse(false);
      if (current && ai.getSpec() != null && ai.getSpec().app != null && ai.getSpec().storage != null
          && ai.getSpec().storage.user == null && ai.getSpec().storage.outputRetentionDays != null) {
        retention.put(de.dhoch3.aiservices.workload.DataFolder.serviceDir(ai), ai.getSpec().storage.outputRetentionDays);
      }
    }
    return retention;
  }

  static String hash(CronJob desired) {
    return de.dhoch3.aiservices.models.ModelJobs.sha256(Serialization.asJson(desired)).substring(0, 16);
  }


  @Override
  public void close() {
    timer.shutdownNow();
  }
}
