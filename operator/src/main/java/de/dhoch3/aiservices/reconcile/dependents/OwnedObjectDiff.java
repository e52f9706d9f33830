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

  private static final Set<String> SERVER_FILLED = Set.of(
      // Deployment
      "Deployment:spec.revisionHistoryLimit", "Deployment:spec.progressDeadlineSeconds", "Deployment:spec.strategy.rollingUpdate",
      // pod templates (Deployment) and their containers
      "Deployment:spec.template.metadata.creationTimestamp",
      "Deployment:spec.template.spec.restartPolicy", "Deployment:spec.template.spec.terminationGracePeriodSeconds",
      "Deployment:spec.template.spec.dnsPolicy", "Deployment:spec.template.spec.securityContext",
      "Deployment:spec.template.spec.schedulerName", "Deployment:spec.template.spec.serviceAccount",
      "Deployment:spec.template.spec.enableServiceLinks",
      "Deployment:spec.template.spec.containers[].terminationMessagePath",
      "Deployment:spec.template.spec.containers[].terminationMessagePolicy",
      "Deployment:spec.template.spec.containers[].imagePullPolicy",
      "Deployment:spec.template.spec.containers[].ports[].protocol",
      "Deployment:spec.template.spec.containers[].env[].valueFrom.fieldRef.apiVersion",
      "Deployment:spec.template.spec.initContainers[].terminationMessagePath",
      "Deployment:spec.template.spec.initContainers[].terminationMessagePolicy",
      "Deployment:spec.template.spec.initContainers[].imagePullPolicy",
      "Deployment:spec.template.spec.initContainers[].env[].valueFrom.fieldRef.apiVersion",
      "Deployment:spec.template.spec.volumes[].configMap.defaultMode",
      "Deployment:spec.template.spec.volumes[].secret.defaultMode",
      "Deployment:spec.template.spec.volumes[].projected.defaultMode",
      "Deployment:spec.template.spec.volumes[].downwardAPI.defaultMode",
      "Deployment:spec.template.spec.volumes[].hostPath.type",
      // Service: allocated or defaulted
      "Service:spec.clusterIP", "Service:spec.clusterIPs", "Service:spec.ipFamilies", "Service:spec.ipFamilyPolicy",
      "Service:spec.sessionAffinity", "Service:spec.sessionAffinityConfig", "Service:spec.type", "Service:spec.internalTrafficPolicy",
      "Service:spec.externalTrafficPolicy", "Service:spec.allocateLoadBalancerNodePorts", "Service:spec.healthCheckNodePort",
      "Service:spec.ports[].protocol", "Service:spec.ports[].targetPort", "Service:spec.ports[].nodePort",
      // DRA
      "ResourceClaimTemplate:spec.spec.devices.requests[].exactly.allocationMode",
      "ResourceClaimTemplate:spec.spec.devices.requests[].exactly.count",
      "ResourceClaimTemplate:spec.spec.devices.requests[].exactly.adminAccess");

  /** Probe fields the server defaults, for every probe of every container. */
  private static final Set<String> PROBE_FILLED = Set.of("timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold", "scheme");

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
        found.add(path + ": added");
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
        if (!want.has(field) && !empty(have.get(field)) && !othersMayAdd(path + "." + field) && !othersMayAdd(path) && !serverFilled(kind, path + "." + field)) {
          found.add(path + "." + field + ": added");
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

  /** Pod-template labels and annotations others add (kubectl rollout restart's restartedAt): never reverted, no restart loop. */
  private static boolean othersMayAdd(String path) {
    return path.endsWith("template.metadata.labels") || path.endsWith("template.metadata.annotations");
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
    String generic = path.replaceAll("\\[\\d+]", "[]");
    if (SERVER_FILLED.contains(kind + ":" + generic)) {
      return true;
    }
    // probes of any container: spec.template.spec.containers[].readinessProbe.periodSeconds, ...httpGet.scheme
    int probe = generic.indexOf("Probe.");
    if (probe > 0) {
      String rest = generic.substring(probe + "Probe.".length());
      String last = rest.substring(rest.lastIndexOf('.') + 1);
      return PROBE_FILLED.contains(last);
    }
    return false;
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
