package de.dhoch3.aiservices.reconcile.dependents;

import com.fasterxml.jackson.databind.JsonNode;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a live owned object differs from the desired one, as a pure function. Stricter than
 * JOSDK's default matcher (which only checks that desired values are present): a field the spec
 * no longer asks for, or one added by hand (a writable mount, a container, an env entry, a
 * capability), is a difference too. The only fields the live object may have beyond the desired
 * ones are those the API server or its controllers fill in when left out ({@link #SERVER_FILLED},
 * from Kubernetes' {@code pkg/apis/core/v1/defaults.go}, {@code pkg/apis/apps/v1/defaults.go} and
 * the Service REST allocator), labels and pod-template annotations others add (e.g.
 * {@code kubectl rollout restart}), and metadata the server keeps. Quantities compare by value
 * ({@code 1024Mi} equals {@code 1Gi}).
 */
public final class OwnedObjectDiff {
  private static final String OWNED_ANNOTATIONS = Labels.OWNED_ANNOTATIONS;

  /**
   * Each field the API server fills in when it is left out, with the Kubernetes source line that
   * does it (kubernetes/kubernetes 1.34: CD = pkg/apis/core/v1/defaults.go, AD =
   * pkg/apis/apps/v1/defaults.go, AL = pkg/registry/core/service/storage/alloc.go, RD =
   * pkg/apis/resource/v1/defaults.go, T = staging/src/k8s.io/api/core/v1/types.go). A field that no
   * server defaults (DRA's adminAccess, a template's enableServiceLinks, which only Pods get) is not
   * here: added by hand, it is drift.
   */
  static final Map<String, String> SERVER_FILLED = Map.ofEntries(
      Map.entry("Deployment:spec.revisionHistoryLimit", "AD:64-67 (10)"),
      Map.entry("Deployment:spec.progressDeadlineSeconds", "AD:68-71 (600)"),
      Map.entry("Deployment:spec.strategy.rollingUpdate", "AD:48-62 (25%, only for type RollingUpdate)"),
      Map.entry("Deployment:spec.template.spec.restartPolicy", "CD:220-222 (Always)"),
      Map.entry("Deployment:spec.template.spec.terminationGracePeriodSeconds", "CD:226-229 (30)"),
      Map.entry("Deployment:spec.template.spec.dnsPolicy", "CD:217-219 (ClusterFirst)"),
      Map.entry("Deployment:spec.template.spec.securityContext", "CD:223-225 ({})"),
      Map.entry("Deployment:spec.template.spec.schedulerName", "CD:230-232 (default-scheduler)"),
      Map.entry("Deployment:spec.template.spec.containers[].terminationMessagePath", "CD:94-96 (/dev/termination-log)"),
      Map.entry("Deployment:spec.template.spec.containers[].terminationMessagePolicy", "CD:97-99 (File)"),
      Map.entry("Deployment:spec.template.spec.containers[].imagePullPolicy", "CD:83-93 (Always for latest or no tag, else IfNotPresent)"),
      Map.entry("Deployment:spec.template.spec.containers[].ports[].protocol", "T:2351 (+default=TCP)"),
      Map.entry("Deployment:spec.template.spec.containers[].env[].valueFrom.fieldRef.apiVersion", "CD:356-360 (v1)"),
      Map.entry("Deployment:spec.template.spec.initContainers[].terminationMessagePath", "CD:94-96"),
      Map.entry("Deployment:spec.template.spec.initContainers[].terminationMessagePolicy", "CD:97-99"),
      Map.entry("Deployment:spec.template.spec.initContainers[].imagePullPolicy", "CD:83-93"),
      Map.entry("Deployment:spec.template.spec.initContainers[].env[].valueFrom.fieldRef.apiVersion", "CD:356-360"),
      Map.entry("Deployment:spec.template.spec.volumes[].configMap.defaultMode", "CD:254-259 (420)"),
      Map.entry("Deployment:spec.template.spec.volumes[].secret.defaultMode", "CD:248-253 (420)"),
      Map.entry("Deployment:spec.template.spec.volumes[].projected.defaultMode", "CD:271-276 (420)"),
      Map.entry("Deployment:spec.template.spec.volumes[].downwardAPI.defaultMode", "CD:260-265 (420)"),
      Map.entry("Deployment:spec.template.spec.volumes[].hostPath.type", "CD:409-414 (\"\")"),
      Map.entry("Service:spec.clusterIP", "AL:386 (allocated)"),
      Map.entry("Service:spec.clusterIPs", "AL:356-365,379 (allocated)"),
      Map.entry("Service:spec.ipFamilies", "AL:285-301 (cluster default family)"),
      Map.entry("Service:spec.ipFamilyPolicy", "AL:145-147 (SingleStack)"),
      Map.entry("Service:spec.sessionAffinity", "CD:107-109 (None)"),
      Map.entry("Service:spec.sessionAffinityConfig", "CD:110-121 (only for ClientIP)"),
      Map.entry("Service:spec.type", "CD:123-125 (ClusterIP)"),
      Map.entry("Service:spec.internalTrafficPolicy", "CD:141-146 (Cluster)"),
      Map.entry("Service:spec.externalTrafficPolicy", "CD:137-139 (Cluster, NodePort/LoadBalancer)"),
      Map.entry("Service:spec.allocateLoadBalancerNodePorts", "CD:148-152 (true, LoadBalancer)"),
      Map.entry("Service:spec.healthCheckNodePort", "AL:504-509,583 (LoadBalancer with Local policy)"),
      Map.entry("Service:spec.ports[].protocol", "CD:128-130 (TCP)"),
      Map.entry("Service:spec.ports[].targetPort", "CD:131-133 (the port)"),
      Map.entry("Service:spec.ports[].nodePort", "AL:497-502,514-563 (NodePort/LoadBalancer)"),
      // the DefaultIngressClass admission plugin (on by default) sets the cluster's default class
      // when none is given: plugin/pkg/admission/network/defaultingressclass/admission.go:125
      Map.entry("Ingress:spec.ingressClassName", "defaultingressclass/admission.go:125"),
      Map.entry("ResourceClaimTemplate:spec.spec.devices.requests[].exactly.allocationMode", "RD:33-35 (ExactCount)"),
      Map.entry("ResourceClaimTemplate:spec.spec.devices.requests[].exactly.count", "RD:37-39 (1)"));

  /**
   * Pod-template annotations others may add without it being drift: only kubectl rollout restart's.
   * Every other one (AppArmor, seccomp, anything *.security.*, a container runtime's) is the
   * operator's to decide and is reverted.
   */
  static final Set<String> TEMPLATE_ANNOTATIONS_OTHERS_ADD = Set.of("kubectl.kubernetes.io/restartedAt");

  /**
   * Ingress annotations never kept when someone else added them to an owned Ingress: proxy
   * configuration snippets, extra host names (server-alias), a backend host override, and Traefik
   * middlewares (which may be another namespace's). Other tools' annotations (external-dns, ...) stay.
   */
  static final List<java.util.regex.Pattern> INGRESS_ANNOTATIONS_NEVER_KEPT = List.of(
      java.util.regex.Pattern.compile("(?i).*snippet.*"), java.util.regex.Pattern.compile("(?i).*server-alias.*"),
      java.util.regex.Pattern.compile("(?i).*/upstream-vhost"),
      java.util.regex.Pattern.compile("(?i)traefik\\.ingress\\.kubernetes\\.io/router\\.middlewares"));

  /** Whether an annotation someone else put on an owned object of this kind is removed. */
  static boolean neverKept(String kind, String key) {
    return "Ingress".equals(kind) && INGRESS_ANNOTATIONS_NEVER_KEPT.stream().anyMatch(p -> p.matcher(key).matches());
  }

  /** Probe fields the server defaults, for every probe of every container (CD:234-246; scheme CD:322, httpGet only). */
  private static final Set<String> PROBE_FILLED = Set.of("timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold", "scheme");

  /** A field of a container's liveness, readiness or startup probe: its last segment. */
  private static final java.util.regex.Pattern CONTAINER_PROBE =
      java.util.regex.Pattern.compile("spec\\.template\\.spec\\.(?:initC|c)ontainers\\[]\\.(?:liveness|readiness|startup)Probe\\.(?:.*\\.)?([^.]+)");
  /** A list index in a path ({@code containers[0]}): compiled once, a real server's defaults ask this of every live object's extra fields. */
  private static final java.util.regex.Pattern LIST_INDEX = java.util.regex.Pattern.compile("\\[\\d+]");
  private static final Set<String> NOT_COMPARED = Set.of("apiVersion", "kind", "metadata", "status");

  private OwnedObjectDiff() {}

  /**
   * @param ownerUid the AIService's uid: the live object must name it as controller
   * @return one line per difference, empty when the live object is what the operator wants
   */
  public static List<String> differences(HasMetadata desired, HasMetadata actual, String ownerUid) {
    List<String> found = new ArrayList<>();
    String kind = desired.getKind();
    JsonNode want = Serialization.jsonMapper().valueToTree(desired);
    JsonNode have = Serialization.jsonMapper().valueToTree(actual);
    for (Iterator<String> names = want.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!NOT_COMPARED.contains(field)) {
        compare(kind, field, want.get(field), have.get(field), found);
      }
    }
    for (Iterator<String> names = have.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!NOT_COMPARED.contains(field) && !want.has(field) && !empty(have.get(field))) {
        found.add(field + ": added");
      }
    }
    metadata(desired, actual, ownerUid, found);
    return found;
  }

  private static void metadata(HasMetadata desired, HasMetadata actual, String ownerUid, List<String> found) {
    Map<String, String> haveLabels = orEmpty(actual.getMetadata().getLabels());
    orEmpty(desired.getMetadata().getLabels()).forEach((key, value) -> {
      if (!value.equals(haveLabels.get(key))) {
        found.add("metadata.labels." + key + ": " + haveLabels.get(key) + " instead of " + value);
      }
    });
    Map<String, String> wantAnnotations = orEmpty(desired.getMetadata().getAnnotations());
    Map<String, String> haveAnnotations = orEmpty(actual.getMetadata().getAnnotations());
    wantAnnotations.forEach((key, value) -> {
      if (!value.equals(haveAnnotations.get(key))) {
        found.add("metadata.annotations." + key + ": " + haveAnnotations.get(key) + " instead of " + value);
      }
    });
    for (String key : ownedAnnotations(actual)) {
      if (!wantAnnotations.containsKey(key) && haveAnnotations.containsKey(key)) {
        found.add("metadata.annotations." + key + ": no longer wanted");
      }
    }
    for (String key : haveAnnotations.keySet()) {
      if (!wantAnnotations.containsKey(key) && neverKept(desired.getKind(), key)) {
        found.add("metadata.annotations." + key + ": added by hand, never kept");
      }
    }
    if (ownerUid != null && actual.getMetadata().getOwnerReferences().stream()
        .noneMatch(ref -> ownerUid.equals(ref.getUid()) && Boolean.TRUE.equals(ref.getController()))) {
      found.add("metadata.ownerReferences: the AIService is not the controller");
    }
  }

  /** The annotation keys the operator set on this object (the list it wrote, plus the list itself). */
  static Set<String> ownedAnnotations(HasMetadata object) {
    Set<String> keys = new TreeSet<>();
    String list = orEmpty(object.getMetadata().getAnnotations()).get(OWNED_ANNOTATIONS);
    if (list != null) {
      keys.add(OWNED_ANNOTATIONS);
      Arrays.stream(list.split(",")).map(String::trim).filter(k -> !k.isEmpty()).forEach(keys::add);
    }
    return keys;
  }

  private static void compare(String kind, String path, JsonNode want, JsonNode have, List<String> found) {
    if (empty(want)) {
      if (!empty(have) && !serverFilled(kind, path) && !othersMayAdd(path)) {
        if (have.isObject() && path.endsWith("template.metadata.annotations")) {
          // key by key: kubectl rollout restart's may stay, any other is drift
          have.fieldNames().forEachRemaining(key -> {
            if (!othersMayAdd(path + "." + key)) {
              found.add(path + "." + key + ": added");
            }
          });
        } else {
          found.add(path + ": added");
        }
      }
      return;
    }
    if (have == null || have.isNull()) {
      found.add(path + ": missing");
      return;
    }
    if (want.isObject()) {
      if (!have.isObject()) {
        found.add(path + ": not an object");
        return;
      }
      for (Iterator<String> names = want.fieldNames(); names.hasNext(); ) {
        String field = names.next();
        compare(kind, path + "." + field, want.get(field), have.get(field), found);
      }
      for (Iterator<String> names = have.fieldNames(); names.hasNext(); ) {
        String field = names.next();
        if (!want.has(field)) {
          compare(kind, path + "." + field, null, have.get(field), found);
        }
      }
    } else if (want.isArray()) {
      if (!have.isArray() || have.size() != want.size()) {
        found.add(path + ": " + (have.isArray() ? have.size() : 0) + " entries instead of " + want.size());
        return;
      }
      for (int i = 0; i < want.size(); i++) {
        compare(kind, path + "[" + i + "]", want.get(i), have.get(i), found);
      }
    } else if (!sameValue(path, want, have)) {
      found.add(path + ": " + have.asText() + " instead of " + want.asText());
    }
  }

  /**
   * Pod-template labels others add, and the annotations of {@link #TEMPLATE_ANNOTATIONS_OTHERS_ADD}
   * (kubectl rollout restart's restartedAt): never reverted, no restart loop.
   */
  private static boolean othersMayAdd(String path) {
    if (path.endsWith("template.metadata.labels") || path.contains("template.metadata.labels.")) {
      return true;
    }
    int at = path.indexOf("template.metadata.annotations.");
    return at >= 0 && TEMPLATE_ANNOTATIONS_OTHERS_ADD.contains(path.substring(at + "template.metadata.annotations.".length()));
  }

  private static boolean sameValue(String path, JsonNode want, JsonNode have) {
    if (want.asText().equals(have.asText()) && want.isValueNode() && have.isValueNode()) {
      return true;
    }
    if (path.contains(".resources.limits.") || path.contains(".resources.requests.") || path.endsWith(".sizeLimit")) {
      try {
        return Quantity.getAmountInBytes(new Quantity(want.asText())).compareTo(Quantity.getAmountInBytes(new Quantity(have.asText()))) == 0;
      } catch (IllegalArgumentException notAQuantity) {
        return false;
      }
    }
    return false;
  }

  private static boolean serverFilled(String kind, String path) {
    String generic = LIST_INDEX.matcher(path).replaceAll("[]");
    if (SERVER_FILLED.containsKey(kind + ":" + generic)) {
      return true;
    }
    // the probes of a container, and only those: spec.template.spec.containers[].readinessProbe.periodSeconds, ...httpGet.scheme
    var probe = CONTAINER_PROBE.matcher(generic);
    return probe.matches() && PROBE_FILLED.contains(probe.group(1));
  }

  private static boolean empty(JsonNode node) {
    return node == null || node.isNull() || (node.isContainerNode() && node.isEmpty());
  }

  private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
    return map == null ? Map.of() : map;
  }

  /** True when the object carries this AIService's labels: the operator made it (or render output applied by hand). */
  public static boolean labelledFor(HasMetadata object, String aiServiceName) {
    Map<String, String> labels = orEmpty(object.getMetadata().getLabels());
    return Labels.OPERATOR.equals(labels.get(Labels.MANAGED_BY)) && aiServiceName.equals(labels.get(Labels.INSTANCE));
  }

  /** The object to PUT over {@code actual} (see the dependents' update): the desired one with the live identity and allocations. */
  public static <T extends HasMetadata> T replacement(T desired, T actual) {
    return OwnedDependent.replacement(desired, actual);
  }

  /** Whether the object names this uid as its controller. */
  public static boolean controlledBy(HasMetadata object, String uid) {
    for (OwnerReference ref : object.getMetadata().getOwnerReferences()) {
      if (uid.equals(ref.getUid()) && Boolean.TRUE.equals(ref.getController())) {
        return true;
      }
    }
    return false;
  }

  /** Whether the object names this uid among its owners. */
  public static boolean ownedBy(HasMetadata object, String uid) {
    for (OwnerReference ref : object.getMetadata().getOwnerReferences()) {
      if (uid.equals(ref.getUid())) {
        return true;
      }
    }
    return false;
  }
}
