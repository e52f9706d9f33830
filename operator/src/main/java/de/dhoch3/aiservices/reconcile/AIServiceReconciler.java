package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceStatus;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.reconcile.dependents.ConfigMapDependent;
import de.dhoch3.aiservices.reconcile.dependents.DeploymentDependent;
import de.dhoch3.aiservices.reconcile.dependents.DesiredWorkload;
import de.dhoch3.aiservices.reconcile.dependents.GpuClaimTemplateDependent;
import de.dhoch3.aiservices.reconcile.dependents.IngressDependent;
import de.dhoch3.aiservices.reconcile.dependents.OwnedObjectDiff;
import de.dhoch3.aiservices.reconcile.dependents.ServiceDependent;
import de.dhoch3.aiservices.reconcile.dependents.Wanted;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.workload.Labels;
import de.dhoch3.aiservices.workload.Workload;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import de.dhoch3.aiservices.workload.DataFolder;
import de.dhoch3.aiservices.workload.ServedHost;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Turns an AIService into its workload. The spec is validated and the whole desired state built
 * first; only a complete, valid workload is handed to the dependents (explicit workflow
 * invocation), so bad input never produces half a workload and never touches a running one.
 */
@ControllerConfiguration(name = AIServiceReconciler.NAME)
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "configmap", type = ConfigMapDependent.class, reconcilePrecondition = Wanted.ConfigMapWanted.class),
      // the Deployment (pods, a GPU) only once the Service is there: a Service name taken by someone
      // else is found before any pod is started
      @Dependent(name = "deployment", type = DeploymentDependent.class, dependsOn = "service"),
      @Dependent(name = "service", type = ServiceDependent.class),
      @Dependent(name = "ingress", type = IngressDependent.class, reconcilePrecondition = Wanted.IngressWanted.class)
    })
public class AIServiceReconciler implements Reconciler<AIService> {
  public static final String NAME = "aiservice";
  static final String POD_EVENT_SOURCE = "pods";
  static final String DATA_FOLDER_INDEX = "data-folder";
  static final String DATA_FOLDER_ABOVE_INDEX = "data-folder-above";
  static final String HOST_INDEX = "ingress-host";
  static final String WILDCARD_INDEX = "ingress-host-wildcard";
  /** A conflict ends when the other AIService goes away, which sends no event here: look again. */
  static final Duration CONFLICT_RECHECK = Duration.ofSeconds(60);
  /** How often the Events of a pod still being set up are read again. */
  static final Duration POD_SETUP_RECHECK = Duration.ofSeconds(20);

  private final OperatorConfig config;
  private final KubernetesClient client;
  private final GeneratedSecrets generatedSecrets;
  private final StatusUpdater statusUpdater;
  private final EventRecorder events;
  private final Clock clock;
  private final RetryPolicy retry;
  private final RecentWorkloads recentWorkloads;
  /** The GPU claim templates, on clusters serving DRA (resource.k8s.io/v1) only; else null. */
  private final GpuClaimTemplateDependent gpuClaims;

  /** @param draServed whether the cluster serves resource.k8s.io/v1 ({@code DraSupport.served}, asked once at start) */
  public AIServiceReconciler(OperatorConfig config, KubernetesClient client, Clock clock, RetryPolicy retry, boolean draServed) {
    this.config = config;
    this.gpuClaims = draServed ? new GpuClaimTemplateDependent() : null;
    this.retry = retry;
    this.client = client;
    this.statusUpdater = new StatusUpdater(client);
    this.generatedSecrets = new GeneratedSecrets(client);
    this.events = new EventRecorder(client);
    this.clock = clock;
    this.recentWorkloads = new RecentWorkloads(clock, RecentWorkloads.CAPACITY);
  }

  @Override
  public List<EventSource<?, AIService>> prepareEventSources(EventSourceContext<AIService> context) {
    // only the pods of our Deployments, found by label: their scheduling and container states feed the status
    var pods = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, AIService.class)
            .withName(POD_EVENT_SOURCE)
            .withLabelSelector(Labels.MANAGED_BY_SELECTOR)
            .withItemStore(new de.dhoch3.aiservices.reconcile.dependents.WithoutManagedFields<>())
            .withSecondaryToPrimaryMapper(pod -> {
              String owner = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(Labels.INSTANCE);
              return owner == null ? Set.of() : Set.of(new ResourceID(owner, pod.getMetadata().getNamespace()));
            })
            .build(),
        context);
    // each AIService under its data folder, and under every folder above it: a conflict is found in
    // the index, not by scanning all AIServices on every reconcile
    context.getPrimaryCache().addIndexer(DATA_FOLDER_INDEX,
        ai -> DataFolder.keys(ai, config));
    context.getPrimaryCache().addIndexer(DATA_FOLDER_ABOVE_INDEX,
        ai -> DataFolder.keys(ai, config).stream().flatMap(key -> DataFolder.ancestors(key).stream()).distinct().toList());
    // each AIService under the host it serves, and under the wildcard that would cover it
    context.getPrimaryCache().addIndexer(HOST_INDEX,
        ai -> ServedHost.of(ai, config).map(served -> List.of(served.host())).orElse(List.of()));
    context.getPrimaryCache().addIndexer(WILDCARD_INDEX,
        ai -> ServedHost.of(ai, config).map(ServedHost::coveringWildcard).map(List::of).orElse(List.of()));
    // new storage figures (the model inbox's runs): every AIService's status shows its own
    var storageChanges = new StorageFiguresEventSource(context.getPrimaryCache());
    List<EventSource<?, AIService>> sources = new ArrayList<>(List.of(pods, storageChanges));
    if (gpuClaims != null) {
      sources.add(gpuClaims.eventSource(context).orElseThrow());
    }
    return sources;
  }

  @Override
  public UpdateControl<AIService> reconcile(AIService ai, Context<AIService> context) {
    Workload workload;
    try {
      // the workload of this generation when its previous reconcile kept it, else built (a pure function of spec and config)
      workload = recentWorkloads.take(ai).orElseGet(() -> WorkloadBuilder.build(ai, config));
      if (workload.gpuClaimTemplate() != null && gpuClaims == null) {
        throw new InvalidSpecException("spec.gpu.mode", "dra needs a cluster serving resource.k8s.io/v1 (Kubernetes >= 1.34 with a DRA driver"
            + " such as NVIDIA's); this one does not: use gpu.mode exclusive or shared");
      }
      checkDataFolderIsOwn(ai, context);
      checkHostIsOwn(ai, context);
      if (stalledFor(ai, NameTaken.REASON)) {
        // a name was taken by someone else: look again (the only GETs the operator makes) before writing anything
        foreignObject(workload, ai).ifPresent(taken -> {
          throw nameTaken(taken);
        });
      }
    } catch (InvalidSpecException invalid) {
      AIServiceStatus status = StatusCalculator.stalled(ai, invalid, DeploymentDependent.of(context, ai).orElse(null), clock.instant());
      announce(ai, status);
      statusUpdater.update(ai, status);
      // a conflict or a taken name ends when the other object goes away, which sends no event here
      return invalid instanceof DataFolderConflict || invalid instanceof NameTaken || invalid instanceof HostTaken
          ? UpdateControl.<AIService>noUpdate().rescheduleAfter(CONFLICT_RECHECK)
          : UpdateControl.noUpdate();
    }

    generatedSecrets.ensure(ai);
    DesiredWorkload.put(context, workload);
    applyWorkload(workload, ai, context);

    List<Pod> pods = new ArrayList<>(context.getSecondaryResources(Pod.class));
    List<Pod> creating = PodProblem.beingCreated(pods);
    List<Event> podEvents = creating.isEmpty() ? List.of() : podEvents(ai, creating);
    Deployment deployment = DeploymentDependent.of(context, ai).orElse(null);
    AIServiceStatus status = StatusCalculator.running(
        ai, workload, deployment, DesiredWorkload.foundCurrent(context, deployment), pods, podEvents, clock.instant());
    if (StatusCalculator.find(status, StatusCalculator.READY).map(c -> PodProblem.CONFIG_ERROR.equals(c.getReason())).orElse(false)) {
      generatedSecrets.forget(ai); // a generated Secret deleted by hand is made again
    }
    announce(ai, status);
    statusUpdater.update(ai, status);
    if (DesiredWorkload.anyWritten(context)
        && !StatusCalculator.find(status, StatusCalculator.READY).map(c -> "True".equals(c.getStatus())).orElse(false)) {
      // written and not Ready yet: the next reconcile (its Deployment available) would build the same again;
      // one that only waits (for a GPU, say) keeps nothing
      recentWorkloads.keep(ai, workload);
    }
    // kubelet's mount failures are Events, which send nothing here: look again while a pod is being set up
    return creating.isEmpty() ? UpdateControl.noUpdate() : UpdateControl.<AIService>noUpdate().rescheduleAfter(POD_SETUP_RECHECK);
  }

  /**
   * The GPU claim template (where DRA is served), then the workflow of the other objects. A failed
   * template write does not hold back the rest (as a failed workflow node holds back only its
   * dependents); it fails the reconcile afterwards, so the status says so and JOSDK retries.
   */
  private void applyWorkload(Workload workload, AIService ai, Context<AIService> context) {
    RuntimeException claimFailed = null;
    if (gpuClaims != null) {
      try {
        gpuClaims.apply(workload, ai, context);
      } catch (RuntimeException failed) {
        claimFailed = failed;
      }
    }
    try {
      context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    } catch (RuntimeException workflowFailed) {
      if (claimFailed != null) {
        workflowFailed.addSuppressed(claimFailed);
      }
      throw workflowFailed;
    }
    if (claimFailed != null) {
      throw claimFailed;
    }
  }

  /** Events of pods still being set up, read only then (a list by field selector; filtered here too, for servers that ignore it). */
  private List<Event> podEvents(AIService ai, List<Pod> pods) {
    List<Event> events = new ArrayList<>();
    for (Pod pod : pods) {
      try {
        client.v1().events().inNamespace(ai.getMetadata().getNamespace())
            .withField("involvedObject.name", pod.getMetadata().getName()).list().getItems().stream()
            .filter(e -> e.getInvolvedObject() != null && pod.getMetadata().getName().equals(e.getInvolvedObject().getName()))
            .forEach(events::add);
      } catch (KubernetesClientException unreadable) {
        // without Events the status says RollingOut, which is still true
      }
    }
    return events;
  }

  /**
   * Two copies of an app must never share a data folder (SQLite databases, settings). The folder
   * belongs to the AIService already running on it, else to the one created first; any other
   * stalls until given its own serviceDir. One stalled for this reason holds nothing.
   */
  private void checkDataFolderIsOwn(AIService ai, Context<AIService> context) {
    for (String key : DataFolder.keys(ai, config)) {
      // the same folder, one holding it, or one inside it (another app's database folder as this one's data)
      List<AIService> overlapping = new ArrayList<>(context.getPrimaryCache().byIndex(DATA_FOLDER_INDEX, key));
      DataFolder.ancestors(key).forEach(above -> overlapping.addAll(context.getPrimaryCache().byIndex(DATA_FOLDER_INDEX, above)));
      overlapping.addAll(context.getPrimaryCache().byIndex(DATA_FOLDER_ABOVE_INDEX, key));
      overlapping.stream()
          .filter(other -> !other.getMetadata().getUid().equals(ai.getMetadata().getUid()))
          .filter(other -> other.getMetadata().getDeletionTimestamp() == null)
          .filter(other -> !stalledFor(other, StatusCalculator.REASON_DATA_FOLDER_IN_USE))
          .filter(other -> holdsBefore(other, ai))
          .min(FIRST_CREATED)
          .ifPresent(holder -> {
            throw new DataFolderConflict(key, holder);
          });
    }
  }

  /**
   * One host and path is served by one AIService in the whole cluster: a later AIService (any
   * namespace) asking for a host and path another already serves (the same host with an
   * overlapping Prefix path, or a wildcard covering it) would take its traffic. The holder is the
   * one already running on it, else the one created first; the other stalls with HostTaken.
   */
  private void checkHostIsOwn(AIService ai, Context<AIService> context) {
    ServedHost served = ServedHost.of(ai, config).orElse(null);
    if (served == null) {
      return;
    }
    List<AIService> candidates = new ArrayList<>(context.getPrimaryCache().byIndex(HOST_INDEX, served.host()));
    if (served.host().startsWith("*.")) {
      candidates.addAll(context.getPrimaryCache().byIndex(WILDCARD_INDEX, served.host()));
    } else if (served.coveringWildcard() != null) {
      candidates.addAll(context.getPrimaryCache().byIndex(HOST_INDEX, served.coveringWildcard()));
    }
    candidates.stream()
        .filter(other -> !other.getMetadata().getUid().equals(ai.getMetadata().getUid()))
        .filter(other -> other.getMetadata().getDeletionTimestamp() == null)
        .filter(other -> !stalledFor(other, HostTaken.REASON))
        .filter(other -> ServedHost.of(other, config).map(theirs -> theirs.pathsOverlap(served)).orElse(false))
        .filter(other -> holdsBefore(other, ai))
        .min(FIRST_CREATED)
        .ifPresent(holder -> {
          throw new HostTaken(served, holder, ServedHost.of(holder, config).orElseThrow());
        });
  }

  static final class HostTaken extends InvalidSpecException {
    static final String REASON = "HostTaken";

    @Override
    public String reason() {
      return REASON;
    }

    HostTaken(ServedHost wanted, AIService holder, ServedHost held) {
      super("spec.expose.ingress.host", "'" + wanted.host() + wanted.path() + "' is already served by AIService "
          + holder.getMetadata().getNamespace() + "/" + holder.getMetadata().getName() + " ('" + held.host() + held.path()
          + "'); one host and path belongs to one app: choose another host (or path)");
    }
  }

  private static boolean stalledFor(AIService ai, String reason) {
    return StatusCalculator.find(ai.getStatus(), StatusCalculator.STALLED)
        .filter(c -> "True".equals(c.getStatus()) && reason.equals(c.getReason())).isPresent();
  }

  /**
   * Whether {@code other} holds a contested folder or host before {@code ai}: one running without
   * problem does; else the one created first, but never against one that runs (an older
   * AIService made invalid on purpose must not stall a running app and then take its folders).
   */
  private static boolean holdsBefore(AIService other, AIService ai) {
    return runsWithoutProblem(other) || !runsWithoutProblem(ai) && FIRST_CREATED.compare(other, ai) < 0;
  }

  /** It was given its workload: the last reconcile found the spec valid. */
  private static boolean runsWithoutProblem(AIService ai) {
    return StatusCalculator.find(ai.getStatus(), StatusCalculator.STALLED).filter(c -> "False".equals(c.getStatus())).isPresent();
  }

  private static final Comparator<AIService> FIRST_CREATED = Comparator
      .comparing((AIService a) -> Optional.ofNullable(a.getMetadata().getCreationTimestamp()).map(Instant::parse).orElse(Instant.MAX))
      .thenComparing(a -> a.getMetadata().getNamespace())
      .thenComparing(a -> a.getMetadata().getName());

  static final class DataFolderConflict extends InvalidSpecException {
    @Override
    public String reason() {
      return StatusCalculator.REASON_DATA_FOLDER_IN_USE;
    }

    DataFolderConflict(String key, AIService owner) {
      super("spec.storage.serviceDir", "the folder " + key + " is (or lies inside, or holds) one written by AIService "
          + owner.getMetadata().getNamespace() + "/" + owner.getMetadata().getName()
          + "; two AIServices never share a data, output, uploads or datasets folder (databases, settings, another team's work):"
          + " set spec.storage.serviceDir to a folder of its own");
    }
  }

  /**
   * A write that failed (API server refused, conflict, no permission): say so in the status, so
   * kubectl and Argo CD show it; JOSDK retries with backoff.
   */
  @Override
  public ErrorStatusUpdateControl<AIService> updateErrorStatus(AIService ai, Context<AIService> context, Exception e) {
    if (stopping(e)) {
      // the operator is stopping (a restart, a lost lease) and its reconcile was cut short: a status written
      // now can land after the next operator's own, newer one, and a status change brings no new generation,
      // so nothing would correct it; the next operator reconciles this AIService anyway
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    if (isConflict(e)) {
      Optional<String> foreign = DesiredWorkload.find(context).flatMap(workload -> foreignObject(workload, ai));
      if (foreign.isEmpty()) {
        // an object this AIService controls that lost the operator's labels (a hand edit) is in no
        // informer's cache, so the create found it: label it again (a whole replacement, which also
        // reverts whatever else was edited) and the watch brings it back; else optimistic
        // concurrency (a stale cache, an object created a moment ago), which the retry settles
        DesiredWorkload.find(context).ifPresent(workload -> relabelControlledObjects(workload, ai));
        return ErrorStatusUpdateControl.noStatusUpdate();
      }
      // a name taken by something the operator does not own will not fix itself; a first build that
      // got this far leaves nothing half-built (the Deployment waits for the Service: no pod started)
      if (!hadWorkload(ai)) {
        DesiredWorkload.find(context).ifPresent(workload -> removeWhatThisBuildCreated(workload, ai));
      }
      AIServiceStatus status = StatusCalculator.stalled(ai, nameTaken(foreign.get()),
          DeploymentDependent.of(context, ai).orElse(null), clock.instant());
      announce(ai, status);
      statusUpdater.update(ai, status);
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    int attempt = context.getRetryInfo().map(info -> info.getAttemptCount()).orElse(0);
    Duration next = retry.delayAfter(attempt);
    String message = rootMessage(e) + "; attempt " + (attempt + 1) + ", next in about " + next.toSeconds() + " s (at "
        + clock.instant().plus(next).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "); retries never stop";
    AIServiceStatus status = StatusCalculator.failed(ai, message, clock.instant());
    announce(ai, status);
    try {
      statusUpdater.update(ai, status);
    } catch (RuntimeException statusFailure) {
      // the API server is unreachable or refusing: the retry will try again
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  private static InvalidSpecException nameTaken(String object) {
    return new NameTaken(object);
  }

  /** Whether a valid workload was applied before (then it keeps running whatever fails now). */
  private static boolean hadWorkload(AIService ai) {
    return StatusCalculator.find(ai.getStatus(), StatusCalculator.STALLED).filter(c -> "False".equals(c.getStatus())).isPresent();
  }

  /** Replaces every object this AIService controls that lost its labels with the desired one (labels included). */
  private void relabelControlledObjects(Workload workload, AIService ai) {
    for (HasMetadata desired : workload.objects()) {
      HasMetadata existing = client.resource(desired).get();
      if (existing != null && OwnedObjectDiff.controlledBy(existing, ai.getMetadata().getUid())
          && !OwnedObjectDiff.labelledFor(existing, ai.getMetadata().getName())) {
        client.resource(OwnedObjectDiff.replacement(desired, existing)).update();
        events.warning(ai, "Relabelled", existing.getKind() + " " + existing.getMetadata().getName()
            + " had lost the operator's labels (a hand edit); it was replaced with what the AIService asks for");
      }
    }
  }

  /** Deletes the objects of this build that exist and are this AIService's own (never anything else). */
  private void removeWhatThisBuildCreated(Workload workload, AIService ai) {
    for (HasMetadata desired : workload.objects()) {
      HasMetadata existing = client.resource(desired).get();
      if (existing != null && OwnedObjectDiff.ownedBy(existing, ai.getMetadata().getUid())) {
        client.resource(existing).delete();
      }
    }
  }

  static final class NameTaken extends InvalidSpecException {
    static final String REASON = "NameTaken";

    @Override
    public String reason() {
      return REASON;
    }

    NameTaken(String object) {
      super("metadata.name", object + " already exists and does not belong to this AIService;"
          + " the operator never takes over or deletes what it did not create: rename the AIService or remove that object");
    }
  }

  /**
   * The first desired object whose name is taken by an object that is neither owned by this
   * AIService nor carries its labels. One with the labels but without the owner reference (e.g.
   * {@code render} output applied by hand, an owner reference stripped) is this AIService's and is re-owned.
   */
  private Optional<String> foreignObject(Workload workload, AIService ai) {
    for (HasMetadata desired : workload.objects()) {
      HasMetadata existing = client.resource(desired).get();
      if (existing != null && !OwnedObjectDiff.ownedBy(existing, ai.getMetadata().getUid())
          && !OwnedObjectDiff.labelledFor(existing, ai.getMetadata().getName())) {
        return Optional.of(existing.getKind() + " " + existing.getMetadata().getNamespace() + "/" + existing.getMetadata().getName());
      }
    }
    return Optional.empty();
  }

  /** The reconcile was interrupted: its thread, or somewhere in the failure's causes (JOSDK's workflow executor). */
  static boolean stopping(Throwable e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof InterruptedException) {
        return true;
      }
      if (cause instanceof io.javaoperatorsdk.operator.AggregatedOperatorException aggregated
          && aggregated.getAggregatedExceptions().values().stream().anyMatch(AIServiceReconciler::stopping)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isConflict(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof KubernetesClientException client && client.getCode() == 409) {
        return true;
      }
      if (cause instanceof io.javaoperatorsdk.operator.AggregatedOperatorException aggregated) {
        return !aggregated.getAggregatedExceptions().isEmpty()
            && aggregated.getAggregatedExceptions().values().stream().allMatch(AIServiceReconciler::isConflict);
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = e.getMessage() != null ? e.getMessage() : cause.toString();
    return message.length() > 1000 ? message.substring(0, 1000) + "..." : message;
  }

  /** Events for what a person should notice: the spec went bad, the pod cannot run, the app came up. */
  private void announce(AIService ai, AIServiceStatus status) {
    Optional<Condition> oldReady = StatusCalculator.find(ai.getStatus(), StatusCalculator.READY);
    Optional<Condition> newReady = StatusCalculator.find(status, StatusCalculator.READY);
    if (newReady.isEmpty()) {
      return;
    }
    Condition now = newReady.get();
    boolean changed = oldReady.isEmpty()
        || !Objects.equals(oldReady.get().getReason(), now.getReason())
        || !Objects.equals(oldReady.get().getMessage(), now.getMessage()) && "False".equals(now.getStatus())
            && !StatusCalculator.REASON_ROLLING_OUT.equals(now.getReason()) && !StatusCalculator.REASON_APPLY_FAILED.equals(now.getReason());
    if (!changed) {
      return;
    }
    switch (now.getReason()) {
      case StatusCalculator.REASON_INVALID_SPEC, StatusCalculator.REASON_DATA_FOLDER_IN_USE, StatusCalculator.REASON_APPLY_FAILED, NameTaken.REASON,
          HostTaken.REASON,
          PodProblem.POD_CREATION_FAILED, PodProblem.INSUFFICIENT_GPU, PodProblem.UNSCHEDULABLE, PodProblem.MOUNT_FAILED,
          PodProblem.CONFIG_ERROR, PodProblem.IMAGE_PULL, PodProblem.PREPARE_FAILED, PodProblem.CRASH_LOOP, PodProblem.PROGRESS_DEADLINE ->
          events.warning(ai, now.getReason(), now.getMessage());
      case StatusCalculator.REASON_AVAILABLE, StatusCalculator.REASON_SUSPENDED -> events.normal(ai, now.getReason(), now.getMessage());
      default -> { }
    }
  }
}
