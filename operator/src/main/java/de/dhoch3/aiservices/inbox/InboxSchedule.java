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
        records.pass(client, config);
      } catch (KubernetesClientException e) {
        log.println("aiservice-operator: the inbox's records could not be written (tried again in a minute): " + e.getMessage());
      }
    }, 30, 60, TimeUnit.SECONDS);
    return schedule;
  }

  /**
   * The inbox turned off (inbox.enabled false, its namespace still named): the CronJob the operator
   * wrote there is deleted, so no run moves files any more; its Jobs and pods go with it (their owner).
   * Only a CronJob with the operator's labels: one an admin made under that name is left alone.
   * Nothing on the share is touched. Returns whether one was deleted.
   */
  public static boolean removeLeftover(KubernetesClient client, OperatorConfig config, java.io.PrintStream log) {
    if (config.inbox.enabled || config.inbox.namespace == null || config.inbox.namespace.isBlank()) {
      return false;
    }
    try {
      var resource = client.batch().v1().cronjobs().inNamespace(config.inbox.namespace).withName(InboxCronJob.NAME);
      CronJob leftover = resource.get();
      Map<String, String> labels = leftover == null ? null : leftover.getMetadata().getLabels();
      if (labels == null || !de.dhoch3.aiservices.workload.Labels.OPERATOR.equals(labels.get(de.dhoch3.aiservices.workload.Labels.MANAGED_BY))
          || !InboxCronJob.COMPONENT.equals(labels.get(de.dhoch3.aiservices.models.ModelJobs.COMPONENT))) {
        return false;
      }
      resource.withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
      log.println("aiservice-operator: the model inbox is turned off: its CronJob " + config.inbox.namespace + "/" + InboxCronJob.NAME + " was deleted");
      return true;
    } catch (KubernetesClientException e) {
      log.println("aiservice-operator: the turned-off model inbox's CronJob could not be deleted (delete cronjob/" + InboxCronJob.NAME
          + " in " + config.inbox.namespace + " by hand): " + e.getMessage());
      return false;
    }
  }

  /** One check: returns what it did (created, replaced, unchanged). */
  public static String ensure(KubernetesClient client, OperatorConfig config) {
    Map<String, Integer> retention = new java.util.TreeMap<>();
    Map<String, InboxCronJob.Share> shares = new java.util.TreeMap<>();
    optedIn(client, config, retention, shares);
    CronJob desired = InboxCronJob.desired(config, retention, shares);
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

  /**
   * The AIServices of the inbox's namespace that opted into output retention (their output folder
   * and days) or into sharing their in-app downloads (their data folder and its share).
   */
  static void optedIn(KubernetesClient client, OperatorConfig config, Map<String, Integer> retention, Map<String, InboxCronJob.Share> shares) {
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
      // the same for the data folder: only on the configured data root is it this AIService's own
      if (current && ai.getSpec() != null && ai.getSpec().app != null && ai.getSpec().storage != null
          && ai.getSpec().storage.data == null && Boolean.TRUE.equals(ai.getSpec().storage.shareDownloads)) {
        var profile = de.dhoch3.aiservices.apps.Catalog.profile(ai.getSpec().app);
        if (!profile.ownModelFolders().isEmpty()) {
          shares.put(de.dhoch3.aiservices.workload.DataFolder.serviceDir(ai), new InboxCronJob.Share(
              profile.defaults().paths().withOverrides(ai.getSpec().container).models(), profile.ownModelFolders()));
        }
      }
    }
  }

  static String hash(CronJob desired) {
    return de.dhoch3.aiservices.models.ModelJobs.sha256(Serialization.asJson(desired)).substring(0, 16);
  }


  @Override
  public void close() {
    timer.shutdownNow();
  }
}
