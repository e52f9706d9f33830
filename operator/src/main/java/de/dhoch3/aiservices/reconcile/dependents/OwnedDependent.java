package de.dhoch3.aiservices.reconcile.dependents;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.workload.Labels;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kind of object an AIService owns, taken from the workload the reconciler built. The
 * object's name is known without the workload, so an optional object (Ingress, ConfigMap, GPU
 * claim) can be found and deleted when the spec no longer asks for it.
 *
 * <p>With plain updates JOSDK's default matcher (from JOSDK 5.2.3's
 * {@code GenericKubernetesResourceMatcher}) only checks that desired values are present, and its
 * updater merges labels and annotations: removals never reach the object. Here the match is
 * {@link OwnedObjectDiff} (removals and additions count) and an update replaces the whole object
 * with the desired one, keeping only what the server allocated and what others added to metadata.
 */
abstract class OwnedDependent<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, AIService> {
  private static final Logger LOG = LoggerFactory.getLogger(OwnedDependent.class);
  private final Function<Workload, R> part;
  private final Function<AIService, String> name;

  OwnedDependent(Class<R> type, Function<Workload, R> part, Function<AIService, String> name) {
    super(type);
    this.part = part;
    this.name = name;
  }

  @Override
  protected R desired(AIService primary, Context<AIService> context) {
    return part.apply(DesiredWorkload.of(context));
  }

  @Override
  protected ResourceID targetSecondaryResourceID(AIService primary, Context<AIService> context) {
    return new ResourceID(name.apply(primary), primary.getMetadata().getNamespace());
  }

  /**
   * An AIService's object is looked up by its name, not through JOSDK's index of every object by its
   * AIService (a map and a set per AIService and kind: about a tenth of the heap at 10,000). What the
   * index gave stays: only an object whose instance label names this AIService counts as its own.
   */
  @Override
  protected InformerEventSourceConfiguration.Builder<R> informerConfigurationBuilder(
      EventSourceContext<AIService> context) {
    return super.informerConfigurationBuilder(context).withPrimaryToSecondaryMapper((AIService primary) -> {
      ResourceID id = new ResourceID(name.apply(primary), primary.getMetadata().getNamespace());
      return own(eventSource(), id, primary).isPresent() ? Set.of(id) : Set.of();
    });
  }

  /**
   * This AIService's object of this kind, straight from the cache by its name. Not through
   * JOSDK's getSecondaryResource, which collects a Set of the objects first and so computes each
   * one's deep hashCode (a whole Deployment, every time: 1 % of the process' CPU at 10,000).
   */
  @Override
  public Optional<R> getSecondaryResource(AIService primary, Context<AIService> context) {
    return own(eventSource(), new ResourceID(name.apply(primary), primary.getMetadata().getNamespace()), primary);
  }

  static <T extends HasMetadata> Optional<T> own(
      Optional<? extends io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource<T, AIService>> source,
      ResourceID id, AIService primary) {
    return source.flatMap(informer -> informer.get(id)).filter(object -> labelledFor(object, primary));
  }

  private static boolean labelledFor(HasMetadata object, AIService primary) {
    Map<String, String> labels = object.getMetadata().getLabels();
    return labels != null && primary.getMetadata().getName().equals(labels.get(Labels.INSTANCE));
  }

  /** By label, not owner reference: an object whose owner reference was stripped still reaches its AIService, which re-owns it. */
  @Override
  protected Optional<SecondaryToPrimaryMapper<R>> getSecondaryToPrimaryMapper(EventSourceContext<AIService> context) {
    return Optional.of(object -> {
      Map<String, String> labels = object.getMetadata().getLabels();
      String owner = labels == null ? null : labels.get(Labels.INSTANCE);
      return owner == null ? Set.of() : Set.of(new ResourceID(owner, object.getMetadata().getNamespace()));
    });
  }

  @Override
  public Matcher.Result<R> match(R actual, R desired, AIService primary, Context<AIService> context) {
    List<String> differences = OwnedObjectDiff.differences(desired, actual, primary.getMetadata().getUid());
    if (differences.isEmpty() && actual instanceof io.fabric8.kubernetes.api.model.apps.Deployment deployment) {
      DesiredWorkload.matched(context, deployment);   // the status asks the same question of the same object
    }
    if (!differences.isEmpty()) {
      LOG.info("{} {}/{} differs from what AIService {} asks for, replacing it: {}", actual.getKind(),
          actual.getMetadata().getNamespace(), actual.getMetadata().getName(), primary.getMetadata().getName(),
          differences.size() > 8 ? differences.subList(0, 8) + " and " + (differences.size() - 8) + " more" : differences);
    }
    return Matcher.Result.computed(differences.isEmpty(), desired);
  }

  @Override
  public R create(R desired, AIService primary, Context<AIService> context) {
    return written(context, super.create(desired, primary, context));
  }

  @Override
  public R update(R actual, R desired, AIService primary, Context<AIService> context) {
    // JOSDK's own bookkeeping (its annotation that filters the event of its own write)
    addMetadata(false, actual, desired, primary, context);
    return written(context, prepare(context, replacement(desired, actual), primary, "Updating").update());
  }

  /**
   * The object the server answered a create or update with is the desired one as stored: the
   * status need not compare it again (at 10,000 AIServices that comparison, on every first
   * reconcile, was a sixth of the reconcile's CPU). Only this uid and resourceVersion count.
   */
  private static <T extends HasMetadata> T written(Context<AIService> context, T stored) {
    DesiredWorkload.markWritten(context);
    if (stored instanceof io.fabric8.kubernetes.api.model.apps.Deployment deployment) {
      DesiredWorkload.matched(context, deployment);
    }
    return stored;
  }

  /**
   * The object to PUT: the desired one, with the live object's identity (resourceVersion for
   * optimistic locking, uid), labels and annotations others added, non-controller owner
   * references, and a Service's allocated addresses and node ports. Pure.
   */
  public static <T extends HasMetadata> T replacement(T desired, T actual) {
    @SuppressWarnings("unchecked")
    T result = (T) Serialization.clone(desired);
    ObjectMeta live = actual.getMetadata();
    ObjectMeta meta = Serialization.clone(live);
    Map<String, String> labels = new LinkedHashMap<>(live.getLabels() == null ? Map.of() : live.getLabels());
    labels.putAll(desired.getMetadata().getLabels() == null ? Map.of() : desired.getMetadata().getLabels());
    meta.setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>(live.getAnnotations() == null ? Map.of() : live.getAnnotations());
    OwnedObjectDiff.ownedAnnotations(actual).forEach(annotations::remove);
    annotations.keySet().removeIf(key -> OwnedObjectDiff.neverKept(desired.getKind(), key));
    annotations.putAll(desired.getMetadata().getAnnotations() == null ? Map.of() : desired.getMetadata().getAnnotations());
    meta.setAnnotations(annotations);
    List<OwnerReference> owners = new ArrayList<>();
    for (OwnerReference ref : live.getOwnerReferences()) {
      if (!Boolean.TRUE.equals(ref.getController())) {
        owners.add(ref);
      }
    }
    owners.addAll(desired.getMetadata().getOwnerReferences());
    meta.setOwnerReferences(owners);
    meta.setManagedFields(null);
    result.setMetadata(meta);
    if (result instanceof Service service && actual instanceof Service liveService) {
      keepAllocated(service, liveService);
    }
    if (result instanceof io.fabric8.kubernetes.api.model.apps.Deployment deployment
        && actual instanceof io.fabric8.kubernetes.api.model.apps.Deployment liveDeployment) {
      keepOthersTemplateMetadata(deployment, liveDeployment);
    }
    return result;
  }

  /**
   * Pod-template labels and annotations others added (kubectl rollout restart's restartedAt) stay:
   * dropping them would change the template and restart the app for nothing.
   */
  private static void keepOthersTemplateMetadata(io.fabric8.kubernetes.api.model.apps.Deployment deployment,
      io.fabric8.kubernetes.api.model.apps.Deployment live) {
    var had = live.getSpec() == null || live.getSpec().getTemplate() == null ? null : live.getSpec().getTemplate().getMetadata();
    var wants = deployment.getSpec().getTemplate().getMetadata();
    if (had == null || wants == null) {
      return;
    }
    // of others' annotations only the allow-listed ones stay: an AppArmor or seccomp annotation added by hand goes
    Map<String, String> annotations = new LinkedHashMap<>();
    (had.getAnnotations() == null ? Map.<String, String>of() : had.getAnnotations()).forEach((key, value) -> {
      if (OwnedObjectDiff.TEMPLATE_ANNOTATIONS_OTHERS_ADD.contains(key)) {
        annotations.put(key, value);
      }
    });
    annotations.putAll(wants.getAnnotations() == null ? Map.of() : wants.getAnnotations());
    wants.setAnnotations(annotations.isEmpty() ? null : annotations);
    Map<String, String> labels = new LinkedHashMap<>(had.getLabels() == null ? Map.of() : had.getLabels());
    labels.putAll(wants.getLabels() == null ? Map.of() : wants.getLabels());
    wants.setLabels(labels);
  }

  /** Cluster IPs and node ports are allocated by the server and immutable: send back what it chose. */
  private static void keepAllocated(Service service, Service live) {
    var spec = service.getSpec();
    var had = live.getSpec();
    if (had == null) {
      return;
    }
    boolean headlessOrNone = "ExternalName".equals(spec.getType());
    if (!headlessOrNone && spec.getClusterIP() == null) {
      spec.setClusterIP(had.getClusterIP());
      spec.setClusterIPs(had.getClusterIPs());
      spec.setIpFamilies(had.getIpFamilies());
      spec.setIpFamilyPolicy(had.getIpFamilyPolicy());
    }
    boolean nodePorts = "NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType());
    if (nodePorts && had.getPorts() != null) {
      for (ServicePort port : spec.getPorts()) {
        if (port.getNodePort() == null) {
          had.getPorts().stream()
              .filter(old -> old.getPort().equals(port.getPort()) && old.getNodePort() != null)
              .findFirst().ifPresent(old -> port.setNodePort(old.getNodePort()));
        }
      }
      if ("LoadBalancer".equals(spec.getType()) && spec.getHealthCheckNodePort() == null) {
        spec.setHealthCheckNodePort(had.getHealthCheckNodePort());
      }
    }
  }
}
