package de.dhoch3.aiservices.inbox;

import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.models.ModelJobs;
import de.dhoch3.aiservices.storage.StorageResolver;
import de.dhoch3.aiservices.storage.StorageRoot;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The inbox's CronJob, as the operator writes it (pure: from the configuration only). Its pod is,
 * besides AIModel downloads, the only one that mounts the store writable, and the admission
 * policy admits exactly this shape written by the operator (the CronJob) and the CronJob and Job
 * controllers (its Jobs and pods): one container named inbox, the operator's own image, the
 * inbox command; root with DAC_OVERRIDE only (it moves files whoever owns them), read-only root
 * file system, no service account token.
 */
public final class InboxCronJob {
  public static final String NAME = "aiservice-inbox";
  public static final String COMPONENT = "model-inbox";
  static final String STORE = "/store";
  static final String UPLOADS = "/uploads";
  static final String MEASURE_DATA = "/measure/data";
  static final String MEASURE_OUTPUT = "/measure/output";

  private InboxCronJob() {}

  public static CronJob desired(OperatorConfig config) {
    return desired(config, java.util.Map.of());
  }

  public static CronJob desired(OperatorConfig config, java.util.Map<String, Integer> retention) {
    return desired(config, retention, java.util.Map.of());
  }

  /** An AIService's shared downloads: where its app sees the store, and its own folders (below its data folder) with their category. */
  public record Share(String storeInApp, Map<String, String> folders) {}

  /**
   * With the output retention of the AIServices that opted in (service folder to days) and the
   * in-app downloads they share (service folder to its {@link Share}).
   */
  public static CronJob desired(OperatorConfig config, java.util.Map<String, Integer> retention, Map<String, Share> shares) {
    OperatorConfig.Inbox inbox = config.inbox;
    StorageResolver.Roots roots = StorageResolver.resolve(null, config);
    StorageRoot models = roots.models();
    // the store writable for this pod alone (apps get the same root read-only)
    StorageRoot store = new StorageRoot(models.volumeName(), models.hostPath(), models.claimName(), models.basePath(), false);
    StorageRoot user = roots.user();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.OPERATOR);
    labels.put(ModelJobs.COMPONENT, COMPONENT);
    List<String> command = new ArrayList<>(List.of("java", "-jar", ModelJobs.JAR, "inbox", "--uploads", UPLOADS, "--store", STORE,
        "--settle-seconds", String.valueOf(inbox.settleSeconds), "--result-file", "/dev/termination-log",
        "--measure-data", MEASURE_DATA, "--measure-output", MEASURE_OUTPUT));
    if (!retention.isEmpty()) {
      command.addAll(List.of("--outputs", MEASURE_OUTPUT, "--trash-days", String.valueOf(inbox.trashDays)));
      new java.util.TreeMap<>(retention).forEach((service, days) -> command.addAll(List.of("--retain", service + "=" + days)));
      if (inbox.retentionDryRun) {
        command.add("--retention-dry-run");
      }
    }
    if (!shares.isEmpty()) {
      command.addAll(List.of("--app-data", MEASURE_DATA));
      new java.util.TreeMap<>(shares).forEach((service, share) -> {
        command.addAll(List.of("--app-store", service + "=" + share.storeInApp()));
        new java.util.TreeMap<>(share.folders()).forEach((folder, category) -> command.addAll(List.of("--share-folder", service + "/" + folder + "=" + category)));
      });
    }
    if (inbox.refusePickle) {
      command.add("--refuse-pickle");
    }
    var container = new ContainerBuilder().withName("inbox").withImage(config.images.download).withCommand(command)
        .addToVolumeMounts(store.mount("", STORE, false))
        .addToVolumeMounts(user.mount(inbox.folder, UPLOADS, false))
        // the apps' data, for the storage figures: writable only while an AIService shares its in-app downloads
        .addToVolumeMounts(roots.data().mount("", MEASURE_DATA, shares.isEmpty()))
        // writable only where an AIService opted into the retention of its outputs
        .addToVolumeMounts(user.mount("output", MEASURE_OUTPUT, retention.isEmpty()))
        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
        .withNewResources().addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("256Mi"))
          .addToLimits("memory", new Quantity("512Mi")).endResources()
        .withSecurityContext(ModelJobs.STORE_WRITER)
        .build();
    return new CronJobBuilder()
        .withNewMetadata().withName(NAME).withNamespace(inbox.namespace).withLabels(labels).endMetadata()
        .withNewSpec()
          .withSchedule(inbox.schedule)
          // one run at a time (the program's lock is the second line); a missed run is just the next one
          .withConcurrencyPolicy("Forbid")
          .withStartingDeadlineSeconds(300L)
          .withSuccessfulJobsHistoryLimit(1)
          .withFailedJobsHistoryLimit(3)
          .withNewJobTemplate()
            .withNewMetadata().withLabels(labels).endMetadata()
            .withNewSpec()
              .withBackoffLimit(0)
              .withActiveDeadlineSeconds(3600L)
              .withTtlSecondsAfterFinished(86_400)
              .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withSpec(ModelJobs.storeWriterPod(container, store.volume(), user.volume(), roots.data().volume()))
              .endTemplate()
            .endSpec()
          .endJobTemplate()
        .endSpec()
        .build();
  }
}
