package de.dhoch3.aiservices.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.dhoch3.aiservices.api.AIModel;
import de.dhoch3.aiservices.api.AIModelSpec;
import de.dhoch3.aiservices.api.AIModelStatus;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the store holding each AIModel's file: runs the download Job, reads its result into the
 * status (kstatus conditions, bytes, sha256, path), and with deletionPolicy Delete runs the delete
 * Job before the AIModel goes (a finalizer). A missing file, a refused token, a wrong checksum or a
 * different file already there end in Stalled with the reason: no retry fixes them.
 */
@ControllerConfiguration(name = AIModelReconciler.NAME)
public class AIModelReconciler implements Reconciler<AIModel>, Cleaner<AIModel> {
  public static final String NAME = "aimodel";
  static final Duration WATCH_DELETION = Duration.ofSeconds(5);
  static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(AIModelReconciler.class);

  private final OperatorConfig config;
  private final KubernetesClient client;
  private final Clock clock;

  public AIModelReconciler(OperatorConfig config, KubernetesClient client, Clock clock) {
    this.config = config;
    this.client = client;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, AIModel>> prepareEventSources(EventSourceContext<AIModel> context) {
    String selector = ModelJobs.SELECTOR;
    var toModel = (java.util.function.Function<io.fabric8.kubernetes.api.model.HasMetadata, Set<ResourceID>>) object ->
        Set.of(new ResourceID(object.getMetadata().getLabels().get(ModelJobs.MODEL), object.getMetadata().getNamespace()));
    var jobs = new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, AIModel.class)
        .withName("model-jobs").withLabelSelector(selector).withSecondaryToPrimaryMapper(toModel::apply).build(), context);
    var pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, AIModel.class)
        .withName("model-pods").withLabelSelector(selector).withSecondaryToPrimaryMapper(toModel::apply).build(), context);
    return List.of(jobs, pods);
  }

  @Override
  public UpdateControl<AIModel> reconcile(AIModel model, Context<AIModel> context) {
    if (model.getSpec() != null && model.getSpec().source != null && model.getSpec().source.upload != null) {
      write(model, uploaded(model));
      return UpdateControl.noUpdate();
    }
    ModelJobs.Plan plan;
    try {
      plan = ModelJobs.plan(model, config);
    } catch (InvalidSpecException invalid) {
      write(model, status(model, null, "False", "InvalidSpec", invalid.getMessage(), true));
      return UpdateControl.noUpdate();
    }
    Job desired = ModelJobs.download(model, plan, config);
    List<Job> jobs = new ArrayList<>(context.getSecondaryResources(Job.class));
    for (Job job : jobs) {
      // a download for an earlier spec: cancelled (its partial file stays and is resumed or replaced)
      if (ModelJobs.DOWNLOAD.equals(job.getMetadata().getLabels().get(ModelJobs.COMPONENT))
          && !job.getMetadata().getName().equals(desired.getMetadata().getName())) {
        client.resource(job).withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
      }
    }
    Optional<Job> current = jobs.stream().filter(j -> j.getMetadata().getName().equals(desired.getMetadata().getName())).findFirst();
    if (current.isEmpty()) {
      client.resource(desired).create();
      write(model, status(model, plan, "False", "Downloading", "downloading " + plan.url() + " to " + plan.path(), false));
      return UpdateControl.noUpdate();
    }
    Set<Pod> pods = context.getSecondaryResources(Pod.class);
    AIModelStatus status = fromJob(model, plan, current.get(), pods);
    boolean running = status.conditions.stream().anyMatch(c -> c.getType().equals("Reconciling") && "True".equals(c.getStatus()));
    if (running) {
      // kubectl get aim -w shows the download moving: the program's last progress line, read every few seconds
      progress(current.get(), pods).ifPresent(text -> status.size = text);
    }
    boolean arrived = "Downloaded".equals(readyReason(status)) && !"Downloaded".equals(readyReason(model.getStatus()));
    write(model, status);
    if (arrived) {
      restartAppsThatCannotSeeIt(model, plan);
    }
    return running ? UpdateControl.<AIModel>noUpdate().rescheduleAfter(PROGRESS_INTERVAL) : UpdateControl.noUpdate();
  }

  /** "1.2 GiB / 23.8 GiB" from the running pod's last {@code progress <done>/<total>} log line. */
  private Optional<String> progress(Job job, Set<Pod> pods) {
    Optional<Pod> running = pods.stream()
        .filter(p -> job.getMetadata().getName().equals(p.getMetadata().getLabels().get("job-name")))
        .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
        .findFirst();
    if (running.isEmpty()) {
      return Optional.empty();
    }
    try {
      String log = client.pods().inNamespace(running.get().getMetadata().getNamespace()).withName(running.get().getMetadata().getName())
          .tailingLines(5).getLog();
      return parseProgress(log);
    } catch (RuntimeException unreadable) {
      return Optional.empty(); // no progress shown is better than a failed reconcile
    }
  }

  static Optional<String> parseProgress(String log) {
    if (log == null) {
      return Optional.empty();
    }
    String last = null;
    for (String line : log.split("\n")) {
      if (line.matches("progress \\d+/\\d+( .*)?")) {
        last = line.split(" ")[1];
      }
    }
    if (last == null) {
      return Optional.empty();
    }
    String[] numbers = last.split("/");
    long done = Long.parseLong(numbers[0]);
    long total = Long.parseLong(numbers[1]);
    return Optional.of(human(done) + " / " + (total > 0 ? human(total) + " (" + (done * 100 / total) + " %)" : "?"));
  }

  /** The status a Job says: running, done (with the program's result), or failed for good. */
  AIModelStatus fromJob(AIModel model, ModelJobs.Plan plan, Job job, Set<Pod> pods) {
    Optional<JsonNode> result = result(job, pods);
    String outcome = result.map(r -> r.path("result").asText()).orElse("");
    String message = result.map(r -> r.path("message").asText("")).orElse("");
    if (finished(job, "Complete")) {
      AIModelStatus status = status(model, plan, "True", outcome.isEmpty() ? "Downloaded" : outcome,
          plan.path() + " is in the store" + (result.isPresent() ? " (" + human(result.get().path("bytes").asLong()) + ")" : ""), false);
      result.ifPresent(r -> {
        status.bytes = r.path("bytes").asLong();
        status.size = human(status.bytes);
        status.sha256 = r.hasNonNull("sha256") ? r.get("sha256").asText() : null;
      });
      status.job = job.getMetadata().getName();
      return status;
    }
    if (finished(job, "Failed")) {
      String reason = outcome.isEmpty() ? "DownloadFailed" : outcome;
      String text = switch (reason) {
        case "NotFound" -> "the source answers 404: check spec.source";
        case "Unauthorized" -> "the source refuses the download (401/403): " + (model.getSpec().secretRef == null
            ? "it needs a token: set spec.secretRef to a Secret with one" : "check the token in Secret " + model.getSpec().secretRef.name);
        case "ChecksumMismatch" -> "the file's SHA-256 differs from spec.sha256: the source changed or spec.sha256 is wrong";
        case "Conflict" -> "a different file named " + plan.path() + " is already in the store; it is never overwritten: choose another spec.fileName or remove it";
        default -> "the download Job failed: " + jobMessage(job) + "; change the spec to try again";
      };
      AIModelStatus status = status(model, plan, "False", reason, text + (message.isEmpty() ? "" : " (" + message + ")"), true);
      status.job = job.getMetadata().getName();
      return status;
    }
    AIModelStatus status = status(model, plan, "False", "Downloading", "downloading " + plan.url() + " to " + plan.path(), false);
    status.job = job.getMetadata().getName();
    return status;
  }

  /** The inbox's record: the file is in the store already; nothing runs. */
  private AIModelStatus uploaded(AIModel model) {
    AIModelSpec spec = model.getSpec();
    AIModelStatus status = status(model, null, "True", "Uploaded", "moved into the store by the model inbox from models-upload/"
        + spec.source.upload.from, false);
    status.path = spec.category + "/" + (spec.folder == null ? "" : spec.folder + "/") + spec.fileName;
    status.sha256 = spec.sha256;
    status.bytes = spec.source.upload.bytes;
    status.size = status.bytes == null ? null : human(status.bytes);
    return status;
  }

  @Override
  public DeleteControl cleanup(AIModel model, Context<AIModel> context) {
    String recorded = model.getStatus() == null ? null : model.getStatus().sha256;
    boolean upload = model.getSpec() != null && model.getSpec().source != null && model.getSpec().source.upload != null;
    // only a file this AIModel downloaded itself: never an upload (the studio's), never one that was already
    // there (someone else's, whatever the spec says now), whatever the spec was changed to before the deletion
    boolean downloadedHere = "Downloaded".equals(readyReason(model.getStatus()));
    if (upload || !downloadedHere || model.getSpec() == null || model.getSpec().deletionPolicy != AIModelSpec.DeletionPolicy.DELETE
        || recorded == null) {
      return DeleteControl.defaultDelete(); // Retain: the file stays in the store
    }
    ModelJobs.Plan plan;
    try {
      plan = ModelJobs.plan(model, config);
    } catch (InvalidSpecException invalid) {
      return DeleteControl.defaultDelete();
    }
    Job desired = ModelJobs.delete(model, plan, recorded, config);
    Optional<Job> job = context.getSecondaryResources(Job.class).stream()
        .filter(j -> j.getMetadata().getName().equals(desired.getMetadata().getName())).findFirst();
    if (job.isEmpty()) {
      client.resource(desired).create();
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(WATCH_DELETION);
    }
    if (finished(job.get(), "Complete") || finished(job.get(), "Failed")) {
      // done, or the file changed meanwhile (then it is kept): either way the AIModel may go
      return DeleteControl.defaultDelete();
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(WATCH_DELETION);
  }

  private static boolean finished(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return false;
    }
    for (JobCondition condition : job.getStatus().getConditions()) {
      if (type.equals(condition.getType()) && "True".equals(condition.getStatus())) {
        return true;
      }
    }
    return false;
  }

  private static String jobMessage(Job job) {
    return job.getStatus().getConditions().stream().filter(c -> "Failed".equals(c.getType()))
        .map(c -> c.getReason() + (c.getMessage() == null ? "" : ": " + c.getMessage())).findFirst().orElse("failed");
  }

  /** The download program's one-line JSON result, from the termination message of the Job's newest pod. */
  static Optional<JsonNode> result(Job job, Set<Pod> pods) {
    return pods.stream()
        .filter(p -> p.getMetadata().getOwnerReferences().stream().anyMatch(o -> o.getName().equals(job.getMetadata().getName()))
            || job.getMetadata().getName().equals(p.getMetadata().getLabels().get("job-name")))
        .sorted((a, b) -> Objects.toString(b.getMetadata().getCreationTimestamp(), "").compareTo(Objects.toString(a.getMetadata().getCreationTimestamp(), "")))
        .flatMap(p -> p.getStatus() == null || p.getStatus().getContainerStatuses() == null ? java.util.stream.Stream.<ContainerStatus>empty()
            : p.getStatus().getContainerStatuses().stream())
        .map(s -> s.getState() != null && s.getState().getTerminated() != null ? s.getState().getTerminated().getMessage() : null)
        .filter(Objects::nonNull)
        .map(text -> {
          try {
            return JSON.readTree(text.strip());
          } catch (Exception unreadable) {
            return null;
          }
        })
        .filter(Objects::nonNull)
        .findFirst();
  }

  private AIModelStatus status(AIModel model, ModelJobs.Plan plan, String ready, String reason, String message, boolean stalled) {
    AIModelStatus status = new AIModelStatus();
    status.observedGeneration = model.getMetadata().getGeneration();
    status.path = plan == null ? null : plan.path();
    AIModelStatus previous = model.getStatus();
    if (previous != null && "True".equals(ready) == false && previous.sha256 != null && plan != null && plan.path().equals(previous.path)) {
      status.bytes = previous.bytes;
      status.size = previous.size;
      status.sha256 = previous.sha256;
    }
    boolean done = "True".equals(ready);
    status.conditions = new ArrayList<>(List.of(
        condition(model, "Ready", ready, reason, message),
        condition(model, "Reconciling", !done && !stalled ? "True" : "False", reason, done || stalled ? "nothing to do until the spec changes" : message),
        condition(model, "Stalled", stalled ? "True" : "False", stalled ? reason : "SpecValid", stalled ? message : "the spec is valid")));
    for (Condition condition : status.conditions) {
      Optional.ofNullable(previous).flatMap(p -> p.conditions.stream().filter(c -> c.getType().equals(condition.getType())).findFirst())
          .filter(old -> Objects.equals(old.getStatus(), condition.getStatus()))
          .ifPresent(old -> condition.setLastTransitionTime(old.getLastTransitionTime()));
    }
    return status;
  }

  private Condition condition(AIModel model, String type, String value, String reason, String message) {
    return new ConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
        .withObservedGeneration(model.getMetadata().getGeneration())
        .withLastTransitionTime(clock.instant().truncatedTo(ChronoUnit.SECONDS).toString()).build();
  }

  private static String readyReason(AIModelStatus status) {
    if (status == null || status.conditions == null) {
      return null;
    }
    return status.conditions.stream().filter(c -> c.getType().equals("Ready") && "True".equals(c.getStatus()))
        .map(Condition::getReason).findFirst().orElse(null);
  }

  /**
   * A new file reaches apps that cannot list it again only when their pod starts: restarted here
   * the way kubectl rollout restart does (the template annotation the drift comparison leaves to
   * others), once, when the download arrived. A list of AIServices on a rare event, not per reconcile.
   */
  private void restartAppsThatCannotSeeIt(AIModel model, ModelJobs.Plan plan) {
    if (plan.category() == null) {
      return; // a repository in the shared hub cache: linked into the apps' own caches at their next start
    }
    var aiservices = config.watchNamespaces.isEmpty()
        ? client.resources(AIService.class).inAnyNamespace().list().getItems()
        : config.watchNamespaces.stream().flatMap(ns -> client.resources(AIService.class).inNamespace(ns)
            .list().getItems().stream()).toList();
    String at = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    for (var ai : aiservices) {
      if (!StoreChangeRestarts.needsRestart(ai, plan.category(), plan.storeKey(), config)) {
        continue;
      }
      try {
        client.apps().deployments().inNamespace(ai.getMetadata().getNamespace()).withName(ai.getMetadata().getName()).edit(d -> {
          var meta = d.getSpec().getTemplate().getMetadata();
          Map<String, String> annotations = meta.getAnnotations() == null ? new TreeMap<>() : new TreeMap<>(meta.getAnnotations());
          annotations.put("kubectl.kubernetes.io/restartedAt", at);
          meta.setAnnotations(annotations);
          return d;
        });
        LOG.info("restarted {}/{}: AIModel {} put {} into the store, which this app sees only at start", ai.getMetadata().getNamespace(),
            ai.getMetadata().getName(), model.getMetadata().getName(), plan.path());
      } catch (RuntimeException notThere) {
        // no Deployment (stalled, being deleted): nothing runs that could miss the file
      }
    }
  }

  /** Written only when it changed: an idle operator writes nothing. */
  private void write(AIModel model, AIModelStatus status) {
    if (Objects.equals(model.getStatus(), status)) {
      return;
    }
    AIModel patch = new AIModel();
    patch.setMetadata(new ObjectMetaBuilder().withName(model.getMetadata().getName()).withNamespace(model.getMetadata().getNamespace())
        .withResourceVersion(model.getMetadata().getResourceVersion()).build());
    patch.setSpec(model.getSpec());
    patch.setStatus(status);
    client.resource(patch).updateStatus();
  }

  /** A size as people read it: bytes below 1 KiB, else one decimal of the largest binary unit up to PiB. */
  public static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
