package de.dhoch3.aiservices.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.dhoch3.aiservices.api.AIModel;
import de.dhoch3.aiservices.api.AIModelSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.models.ModelJobs;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the inbox moved, as AIModel records (source.upload) in its namespace, so that
 * {@code kubectl get aimodels} lists uploaded models next to downloaded ones. Read from the
 * termination message of each finished inbox pod (the program writes it; the pod has no API
 * access of its own); each pod once per operator process, each record created once (409: it
 * exists). Deleting a record never deletes the file.
 */
public final class InboxRecords {
  /** File and folder names an AIModel can carry (the CRD's patterns for fileName and folder). */
  private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._ +()-]*";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Set<String> seenPods = ConcurrentHashMap.newKeySet();
  /** The figures of the newest finished run, by area and folder; read by the gauges. */
  private final Map<String, java.util.concurrent.atomic.AtomicLong> figures = new ConcurrentHashMap<>();
  private final Map<String, io.micrometer.core.instrument.Meter> gauges = new ConcurrentHashMap<>();
  /** At most this many folders per area become metrics (a share with thousands of folders would swamp Prometheus). */
  static final int MAX_FOLDERS = 500;
  private final io.micrometer.core.instrument.MeterRegistry registry;
  private volatile String measuredPod;

  /** The namespace whose AIServices the figures describe: the inbox's when the storage is claims (each namespace has its own). */
  private final String figuresNamespace;

  public InboxRecords(io.micrometer.core.instrument.MeterRegistry registry, OperatorConfig config) {
    this.registry = registry;
    var roots = de.dhoch3.aiservices.storage.StorageResolver.resolve(null, config);
    this.figuresNamespace = roots.data().claimName() == null && roots.user().claimName() == null ? null : config.inbox.namespace;
    if (registry != null) {
      config.inbox.quotas.forEach((area, quantity) -> io.micrometer.core.instrument.Gauge.builder("aiservice.storage.quota",
              () -> io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(new io.fabric8.kubernetes.api.model.Quantity(quantity)).doubleValue())
          .baseUnit("bytes").description("The admin's quota of a storage area (inbox.quotas)").tag("area", area).register(registry));
    }
  }

  InboxRecords() {
    this(null, OperatorConfig.defaults());
  }

  /** The figures last read: area/folder to bytes. */
  Map<String, Long> figures() {
    Map<String, Long> copy = new java.util.TreeMap<>();
    figures.forEach((key, value) -> copy.put(key, value.get()));
    return copy;
  }

  /** The records and the figures of the finished runs: one LIST of the inbox's pods for both. */
  public void pass(KubernetesClient client, OperatorConfig config) {
    List<Pod> pods = inboxPods(client, config);
    try {
      record(client, config, pods, pod -> client.pods().inNamespace(config.inbox.namespace).withName(pod.getMetadata().getName()).getLog());
    } finally {
      // the figures even when a record could not be written (tried again next time)
      measure(client, config, pods);
    }
  }

  /**
   * The inbox's own pods: labelled as its, and controlled by a Job that the inbox's CronJob (the
   * one the operator wrote, by its uid) controls. A lookalike pod or Job that anyone who may create
   * pods in the namespace could label the same way names no figures and no records.
   */
  static List<Pod> inboxPods(KubernetesClient client, OperatorConfig config) {
    String namespace = config.inbox.namespace;
    var cronJob = client.batch().v1().cronjobs().inNamespace(namespace).withName(InboxCronJob.NAME).get();
    if (cronJob == null) {
      return List.of();
    }
    String cronJobUid = cronJob.getMetadata().getUid();
    Set<String> jobs = new java.util.HashSet<>();
    for (var job : client.batch().v1().jobs().inNamespace(namespace).withLabel(ModelJobs.COMPONENT, InboxCronJob.COMPONENT).list().getItems()) {
      if (controlledBy(job.getMetadata(), "CronJob", cronJobUid)) {
        jobs.add(job.getMetadata().getUid());
      }
    }
    return client.pods().inNamespace(namespace).withLabel(ModelJobs.COMPONENT, InboxCronJob.COMPONENT).list().getItems().stream()
        .filter(pod -> jobs.stream().anyMatch(uid -> controlledBy(pod.getMetadata(), "Job", uid))).toList();
  }

  private static boolean controlledBy(io.fabric8.kubernetes.api.model.ObjectMeta meta, String kind, String uid) {
    return meta.getOwnerReferences() != null && meta.getOwnerReferences().stream()
        .anyMatch(r -> kind.equals(r.getKind()) && uid != null && uid.equals(r.getUid()) && Boolean.TRUE.equals(r.getController()));
  }

  /** Reads the storage line of the newest finished inbox pod's log, once per pod, into the gauges. */
  public void measure(KubernetesClient client, OperatorConfig config) {
    measure(client, config, inboxPods(client, config));
  }

  void measure(KubernetesClient client, OperatorConfig config, List<Pod> pods) {
    Pod newest = pods.stream().filter(p -> p.getStatus() != null && "Succeeded".equals(p.getStatus().getPhase()))
        .max(java.util.Comparator.comparing(p -> String.valueOf(p.getMetadata().getCreationTimestamp()))).orElse(null);
    if (newest == null || newest.getMetadata().getUid().equals(measuredPod)) {
      return;
    }
    String log = client.pods().inNamespace(config.inbox.namespace).withName(newest.getMetadata().getName()).getLog();
    read(log);
    measuredPod = newest.getMetadata().getUid();
  }

  /** Takes the figures from a run's log (its "storage {...}" line). */
  void read(String log) {
    if (log == null) {
      return;
    }
    log.lines().filter(line -> line.startsWith(InboxCommand.STORAGE_LINE)).reduce((first, last) -> last).ifPresent(line -> {
      try {
        JsonNode areas = JSON.readTree(line.substring(InboxCommand.STORAGE_LINE.length()));
        Set<String> measured = new java.util.HashSet<>();
        areas.fields().forEachRemaining(area -> {
          var folders = area.getValue().fields();
          for (int n = 0; folders.hasNext() && n < MAX_FOLDERS; n++) {
            var folder = folders.next();
            String key = area.getKey() + "/" + folder.getKey();
            measured.add(key);
            figures.computeIfAbsent(key, k -> {
              java.util.concurrent.atomic.AtomicLong value = new java.util.concurrent.atomic.AtomicLong();
              if (registry != null) {
                gauges.put(k, io.micrometer.core.instrument.Gauge.builder("aiservice.storage", value, java.util.concurrent.atomic.AtomicLong::get)
                    .baseUnit("bytes").description("Bytes in a storage area's folder, measured by the model inbox's last run")
                    .tag("area", area.getKey()).tag("folder", folder.getKey()).register(registry));
              }
              return value;
            }).set(folder.getValue().asLong());
          }
        });
        de.dhoch3.aiservices.storage.StorageBoard.INSTANCE.publish(
            measured.stream().collect(java.util.stream.Collectors.toMap(k -> k, k -> figures.get(k).get())), figuresNamespace);
        // a folder that is gone (renamed, removed) is no longer a figure: it would be counted twice
        for (String key : new ArrayList<>(figures.keySet())) {
          if (!measured.contains(key)) {
            figures.remove(key);
            var gauge = gauges.remove(key);
            if (gauge != null) {
              registry.remove(gauge);
            }
          }
        }
      } catch (IOException unreadable) {
        // a run that printed no figures: the previous ones stay
      }
    });
  }

  /** Creates the records of the finished inbox pods not seen yet; returns how many were created. */
  public int record(KubernetesClient client, OperatorConfig config) {
    return record(client, config, pod -> client.pods().inNamespace(config.inbox.namespace).withName(pod.getMetadata().getName()).getLog());
  }

  /** As above, with the pods' logs read by {@code logOf}. */
  int record(KubernetesClient client, OperatorConfig config, java.util.function.Function<Pod, String> logOf) {
    return record(client, config, inboxPods(client, config), logOf);
  }

  int record(KubernetesClient client, OperatorConfig config, List<Pod> pods, java.util.function.Function<Pod, String> logOf) {
    int created = 0;
    for (Pod pod : pods) {
      if (pod.getStatus() == null || !"Succeeded".equals(pod.getStatus().getPhase()) || !seenPods.add(pod.getMetadata().getUid())) {
        continue;
      }
      String log = logOf.apply(pod);
      refusals(client, config, log);
      for (AIModel model : records(log, config.inbox.namespace)) {
        try {
          client.resource(model).create();
          created++;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            seenPods.remove(pod.getMetadata().getUid()); // tried again next time
            throw e;
          }
        }
      }
    }
    return created;
  }

  /** The reason of the Events saying the inbox refused a file (the portal lists them). */
  public static final String UPLOAD_REFUSED = "UploadRefused";

  /** At most this many refusals of one run become Events (the run's log has them all). */
  static final int MAX_REFUSAL_EVENTS = 50;

  /** What a run refused, as Events on the inbox's CronJob ("UploadRefused: <file>: <reason>"): the portal shows them. */
  static void refusals(KubernetesClient client, OperatorConfig config, String log) {
    List<String> refused = refusedFiles(log);
    if (refused.isEmpty()) {
      return;
    }
    var cronJob = new io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder().withNewMetadata().withName(InboxCronJob.NAME)
        .withNamespace(config.inbox.namespace).endMetadata().build();
    var events = new de.dhoch3.aiservices.reconcile.EventRecorder(client);
    refused.forEach(line -> events.warning(cronJob, UPLOAD_REFUSED, line));
  }

  /** "<file>: <reason>" of each "rejected ..." and "not shared ..." line of a run's log (pure). */
  static List<String> refusedFiles(String log) {
    if (log == null) {
      return List.of();
    }
    return log.lines().filter(l -> l.startsWith("rejected ") || l.startsWith("not shared "))
        .map(l -> l.substring(l.startsWith("rejected ") ? "rejected ".length() : "not shared ".length()))
        .limit(MAX_REFUSAL_EVENTS).toList();
  }

  /** The records a finished inbox run's log describes, one per "record {...}" line (pure). */
  static List<AIModel> records(String log, String namespace) {
    List<AIModel> models = new ArrayList<>();
    if (log == null) {
      return models;
    }
    for (String line : log.lines().filter(l -> l.startsWith(InboxCommand.RECORD_LINE)).toList()) {
      try {
        AIModel model = record(JSON.readTree(line.substring(InboxCommand.RECORD_LINE.length())), namespace);
        if (model != null) {
          models.add(model);
        }
      } catch (IOException unreadable) {
        // not a line the program wrote: skipped
      }
    }
    return models;
  }

  /** One moved file as a record; null when its path cannot be named in an AIModel (the file is in the store all the same). */
  static AIModel record(JsonNode file, String namespace) {
    String category = file.path("category").asText();
    String path = file.path("path").asText();
    String sha256 = file.path("sha256").asText();
    int slash = path.lastIndexOf('/');
    String fileName = path.substring(slash + 1);
    String folder = slash < 0 ? null : path.substring(0, slash);
    if (!category.matches("[a-z0-9_]+") || !sha256.matches("[a-f0-9]{64}") || !fileName.matches(NAME) || fileName.length() > 255
        || folder != null && (!folder.matches(NAME + "(/" + NAME + ")*") || folder.length() > 255)) {
      return null;
    }
    AIModel model = new AIModel();
    String stem = fileName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    stem = stem.length() > 40 ? stem.substring(0, 40).replaceAll("-+$", "") : stem;
    // the content and the place: the same file in two folders is two records
    String place = ModelJobs.sha256(category + "/" + path).substring(0, 6);
    model.setMetadata(new ObjectMetaBuilder().withName("upload-" + (stem.isEmpty() ? "" : stem + "-") + sha256.substring(0, 10) + "-" + place)
        .withNamespace(namespace).withLabels(Map.of(Labels.MANAGED_BY, Labels.OPERATOR, ModelJobs.COMPONENT, InboxCronJob.COMPONENT)).build());
    AIModelSpec spec = new AIModelSpec();
    spec.source = new AIModelSpec.Source();
    spec.source.upload = new AIModelSpec.Upload();
    spec.source.upload.from = category + "/" + path;
    spec.source.upload.bytes = file.path("size").asLong();
    String app = file.path("app").asText(null);
    if (app != null && app.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,254}")) {
      spec.source.upload.app = app;
    }
    spec.category = category;
    spec.folder = folder;
    spec.fileName = fileName;
    spec.sha256 = sha256;
    model.setSpec(spec);
    return model;
  }
}
