package de.dhoch3.aiservices.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * What a real API server does to the objects this operator writes, and the in-process mock does
 * not: defaulting on write and the validation that refuses invalid objects. A subset, written from
 * Kubernetes' {@code pkg/apis/core/v1/defaults.go}, {@code pkg/apis/apps/v1/defaults.go},
 * {@code pkg/apis/core/validation/validation.go}, {@code pkg/apis/networking/validation} and the
 * Service IP / node-port allocators, covering every field the operator's objects use. Applied to
 * Deployments, Pods, Services, Ingresses, ConfigMaps and ResourceClaimTemplates by
 * {@link RealisticDispatcher}.
 */
public final class ApiServerRules {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS_1035 = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  private static final Pattern IANA_SVC_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  static final Set<String> KINDS = Set.of("Deployment", "Pod", "Service", "Ingress", "ConfigMap", "ResourceClaimTemplate");

  private final AtomicInteger nextIp = new AtomicInteger(10);
  private final AtomicInteger nextNodePort = new AtomicInteger(30000);

  /** Fills in what the API server defaults and allocates; {@code stored} is the current object on an update, else null. */
  void applyDefaults(ObjectNode object, ObjectNode stored) {
    String kind = object.path("kind").asText();
    ObjectNode spec = object.with("spec");
    switch (kind) {
      case "Deployment" -> {
        putIfAbsent(spec, "replicas", 1);
        ObjectNode strategy = spec.with("strategy");
        putIfAbsent(strategy, "type", "RollingUpdate");
        if ("RollingUpdate".equals(strategy.path("type").asText())) {
          ObjectNode rolling = strategy.with("rollingUpdate");
          putIfAbsent(rolling, "maxUnavailable", "25%");
          putIfAbsent(rolling, "maxSurge", "25%");
        }
        putIfAbsent(spec, "revisionHistoryLimit", 10);
        putIfAbsent(spec, "progressDeadlineSeconds", 600);
        podSpec(spec.with("template").with("spec"));
      }
      case "Pod" -> {
        podSpec(spec);
        // SetDefaults_Pod, not SetDefaults_PodSpec (pkg/apis/core/v1/defaults.go): pod templates never get it
        putIfAbsent(spec, "enableServiceLinks", true);
      }
      case "Service" -> service(spec, stored == null ? null : (ObjectNode) stored.get("spec"));
      case "ResourceClaimTemplate" -> {
        for (JsonNode request : spec.with("spec").with("devices").withArray("requests")) {
          if (request.has("exactly")) {
            ObjectNode exactly = (ObjectNode) request.get("exactly");
            putIfAbsent(exactly, "allocationMode", "ExactCount");
            if ("ExactCount".equals(exactly.path("allocationMode").asText())) {
              putIfAbsent(exactly, "count", 1);
            }
          }
        }
      }
      default -> {
        if (spec.isEmpty()) {
          object.remove("spec");
        }
      }
    }
  }

  private void podSpec(ObjectNode pod) {
    putIfAbsent(pod, "restartPolicy", "Always");
    putIfAbsent(pod, "terminationGracePeriodSeconds", 30);
    putIfAbsent(pod, "dnsPolicy", "ClusterFirst");
    putIfAbsent(pod, "schedulerName", "default-scheduler");
    pod.with("securityContext");
    if (pod.has("serviceAccountName")) {
      pod.put("serviceAccount", pod.get("serviceAccountName").asText());
    }
    for (String list : List.of("containers", "initContainers")) {
      if (!pod.has(list)) {
        continue;
      }
      for (JsonNode node : pod.get(list)) {
        ObjectNode container = (ObjectNode) node;
        putIfAbsent(container, "terminationMessagePath", "/dev/termination-log");
        putIfAbsent(container, "terminationMessagePolicy", "File");
        String image = container.path("image").asText();
        String tag = image.contains("@") ? "digest" : image.lastIndexOf(':') > image.lastIndexOf('/') ? image.substring(image.lastIndexOf(':') + 1) : "";
        putIfAbsent(container, "imagePullPolicy", tag.isEmpty() || tag.equals("latest") ? "Always" : "IfNotPresent");
        container.with("resources");
        canonicalQuantities(container.with("resources"));
        if (container.has("ports")) {
          container.get("ports").forEach(port -> putIfAbsent((ObjectNode) port, "protocol", "TCP"));
        }
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
          if (container.has(probe)) {
            ObjectNode p = (ObjectNode) container.get(probe);
            putIfAbsent(p, "timeoutSeconds", 1);
            putIfAbsent(p, "periodSeconds", 10);
            putIfAbsent(p, "successThreshold", 1);
            putIfAbsent(p, "failureThreshold", 3);
            if (p.has("httpGet")) {
              putIfAbsent((ObjectNode) p.get("httpGet"), "scheme", "HTTP");
            }
          }
        }
        if (container.has("env")) {
          for (JsonNode env : container.get("env")) {
            JsonNode fieldRef = env.path("valueFrom").path("fieldRef");
            if (fieldRef.isObject()) {
              putIfAbsent((ObjectNode) fieldRef, "apiVersion", "v1");
            }
          }
        }
      }
    }
    if (pod.has("volumes")) {
      for (JsonNode volume : pod.get("volumes")) {
        for (String source : List.of("configMap", "secret", "projected", "downwardAPI")) {
          if (volume.has(source)) {
            putIfAbsent((ObjectNode) volume.get(source), "defaultMode", 420);
          }
        }
        if (volume.has("hostPath")) {
          putIfAbsent((ObjectNode) volume.get("hostPath"), "type", "");
        }
      }
    }
  }

  private void service(ObjectNode spec, ObjectNode stored) {
    putIfAbsent(spec, "type", "ClusterIP");
    putIfAbsent(spec, "sessionAffinity", "None");
    putIfAbsent(spec, "internalTrafficPolicy", "Cluster");
    String type = spec.path("type").asText();
    if (!"ExternalName".equals(type)) {
      if (!spec.has("clusterIP") || spec.get("clusterIP").asText().isEmpty()) {
        // like the REST storage's patchAllocatedValues: an update without an IP keeps the allocated one
        String ip = stored != null && stored.has("clusterIP") ? stored.get("clusterIP").asText()
            : "10.96." + (nextIp.get() / 250) + "." + (nextIp.getAndIncrement() % 250 + 1);
        spec.put("clusterIP", ip);
      }
      if (!spec.has("clusterIPs")) {
        spec.putArray("clusterIPs").add(spec.get("clusterIP").asText());
      }
      putIfAbsent(spec, "ipFamilyPolicy", "SingleStack");
      if (!spec.has("ipFamilies")) {
        spec.putArray("ipFamilies").add("IPv4");
      }
    }
    boolean nodePorts = "NodePort".equals(type) || "LoadBalancer".equals(type);
    if (nodePorts) {
      putIfAbsent(spec, "externalTrafficPolicy", "Cluster");
    }
    if ("LoadBalancer".equals(type)) {
      putIfAbsent(spec, "allocateLoadBalancerNodePorts", true);
    }
    for (JsonNode node : spec.withArray("ports")) {
      ObjectNode port = (ObjectNode) node;
      putIfAbsent(port, "protocol", "TCP");
      if (!port.has("targetPort") && port.has("port")) {
        port.put("targetPort", port.get("port").asInt());
      }
      if (nodePorts && !port.has("nodePort")) {
        int kept = -1;
        if (stored != null) {
          for (JsonNode old : stored.withArray("ports")) {
            if (old.path("port").asInt() == port.path("port").asInt() && old.has("nodePort")) {
              kept = old.get("nodePort").asInt();
            }
          }
        }
        port.put("nodePort", kept > 0 ? kept : nextNodePort.getAndIncrement());
      }
    }
  }

  /** Why a real API server would refuse this object, or nothing: for checks of what the operator renders. */
  public static List<String> refusals(io.fabric8.kubernetes.api.model.HasMetadata object) {
    return new ApiServerRules().problems(io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().valueToTree(object), null);
  }

  /** Why the API server would refuse this object (422), or nothing. */
  List<String> problems(ObjectNode object, ObjectNode stored) {
    List<String> problems = new ArrayList<>();
    String kind = object.path("kind").asText();
    JsonNode meta = object.path("metadata");
    String name = meta.path("name").asText();
    Pattern namePattern = "Service".equals(kind) ? DNS_1035 : "Pod".equals(kind) ? DNS_SUBDOMAIN : DNS_SUBDOMAIN;
    if (name.isEmpty() || name.length() > 253 || !namePattern.matcher(name).matches()) {
      problems.add("metadata.name: Invalid value: \"" + name + "\"");
    }
    labels("metadata.labels", meta.path("labels"), problems);
    for (Iterator<String> keys = meta.path("annotations").fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!qualifiedName(key)) {
        problems.add("metadata.annotations: Invalid value: \"" + key + "\"");
      }
    }
    JsonNode spec = object.path("spec");
    switch (kind) {
      case "Deployment" -> {
        JsonNode selector = spec.path("selector").path("matchLabels");
        JsonNode templateLabels = spec.path("template").path("metadata").path("labels");
        if (selector.isEmpty()) {
          problems.add("spec.selector: Required value");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
          var entry = it.next();
          if (!entry.getValue().asText().equals(templateLabels.path(entry.getKey()).asText(null))) {
            problems.add("spec.template.metadata.labels: Invalid value: selector does not match template labels");
          }
        }
        if (stored != null && !stored.path("spec").path("selector").equals(spec.path("selector"))) {
          problems.add("spec.selector: Invalid value: field is immutable");
        }
        if (spec.path("replicas").asInt(0) < 0) {
          problems.add("spec.replicas: Invalid value: must be greater than or equal to 0");
        }
        labels("spec.template.metadata.labels", templateLabels, problems);
        podSpec("spec.template.spec", spec.path("template").path("spec"), problems);
      }
      case "Pod" -> podSpec("spec", spec, problems);
      // ValidateResourceClaimTemplateUpdate (pkg/apis/resource/validation): the spec is immutable,
      // compared as a real server does, after defaulting
      case "ResourceClaimTemplate" -> {
        ObjectNode defaulted = object.deepCopy();
        applyDefaults(defaulted, stored);
        if (stored != null && !stored.path("spec").equals(defaulted.path("spec"))) {
          problems.add("spec: Invalid value: field is immutable");
        }
      }
      case "Service" -> {
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode port : spec.path("ports")) {
          String path = "spec.ports[" + i++ + "]";
          int number = port.path("port").asInt(0);
          if (number < 1 || number > 65535) {
            problems.add(path + ".port: Invalid value: " + number);
          }
          if (port.has("nodePort") && (port.get("nodePort").asInt() < 30000 || port.get("nodePort").asInt() > 32767)) {
            problems.add(path + ".nodePort: Invalid value: " + port.get("nodePort").asInt() + ": provided port is not in the valid range 30000-32767");
          }
          if (!names.add(port.path("name").asText())) {
            problems.add(path + ".name: Duplicate value");
          }
        }
        if (spec.path("ports").isEmpty()) {
          problems.add("spec.ports: Required value");
        }
        if (stored != null && stored.path("spec").has("clusterIP") && spec.has("clusterIP")
            && !stored.path("spec").get("clusterIP").equals(spec.get("clusterIP"))) {
          problems.add("spec.clusterIP: Invalid value: field is immutable");
        }
        labels("spec.selector", spec.path("selector"), problems);
      }
      case "Ingress" -> {
        if (spec.has("ingressClassName") && !DNS_SUBDOMAIN.matcher(spec.get("ingressClassName").asText()).matches()) {
          problems.add("spec.ingressClassName: Invalid value: \"" + spec.get("ingressClassName").asText() + "\"");
        }
        int i = 0;
        for (JsonNode rule : spec.path("rules")) {
          String host = rule.path("host").asText("");
          String bare = host.startsWith("*.") ? host.substring(2) : host;
          if (IPV4.matcher(host).matches()) {
            problems.add("spec.rules[" + i + "].host: Invalid value: \"" + host + "\": must be a DNS name, not an IP address");
          } else if (!host.isEmpty() && !DNS_SUBDOMAIN.matcher(bare).matches()) {
            problems.add("spec.rules[" + i + "].host: Invalid value: \"" + host + "\"");
          }
          int j = 0;
          for (JsonNode path : rule.path("http").path("paths")) {
            if (!path.has("pathType")) {
              problems.add("spec.rules[" + i + "].http.paths[" + j + "].pathType: Required value");
            }
            if (!path.path("path").asText("/").startsWith("/")) {
              problems.add("spec.rules[" + i + "].http.paths[" + j + "].path: Invalid value: must be an absolute path");
            }
            j++;
          }
          i++;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.path("metadata").path("annotations").fields(); it.hasNext(); ) {
          var entry = it.next();
          if (entry.getKey().startsWith("cert-manager.io/") && entry.getValue().asText().isBlank()) {
            // not refused by the API server, but cert-manager refuses to issue: the same user-visible failure
            problems.add("metadata.annotations." + entry.getKey() + ": Invalid value: empty issuer name");
          }
        }
      }
      case "ConfigMap" -> {
        for (Iterator<String> keys = object.path("data").fieldNames(); keys.hasNext(); ) {
          String key = keys.next();
          if (key.length() > 253 || !CONFIG_KEY.matcher(key).matches()) {
            problems.add("data[" + key + "]: Invalid value: a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
          }
        }
      }
      default -> { }
    }
    return problems;
  }

  private static void podSpec(String at, JsonNode pod, List<String> problems) {
    Set<String> volumes = new HashSet<>();
    int v = 0;
    for (JsonNode volume : pod.path("volumes")) {
      String name = volume.path("name").asText();
      if (!DNS_LABEL.matcher(name).matches() || name.length() > 63) {
        problems.add(at + ".volumes[" + v + "].name: Invalid value: \"" + name + "\"");
      }
      if (!volumes.add(name)) {
        problems.add(at + ".volumes[" + v + "].name: Duplicate value: \"" + name + "\"");
      }
      if (volume.has("hostPath") && !volume.path("hostPath").path("path").asText().startsWith("/")) {
        problems.add(at + ".volumes[" + v + "].hostPath.path: Invalid value: must be an absolute path");
      }
      v++;
    }
    if (pod.path("containers").isEmpty()) {
      problems.add(at + ".containers: Required value");
    }
    if (pod.has("runtimeClassName") && !DNS_SUBDOMAIN.matcher(pod.get("runtimeClassName").asText()).matches()) {
      problems.add(at + ".runtimeClassName: Invalid value: \"" + pod.get("runtimeClassName").asText() + "\"");
    }
    labels(at + ".nodeSelector", pod.path("nodeSelector"), problems);
    Set<String> containerNames = new HashSet<>();
    for (String list : List.of("initContainers", "containers")) {
      int c = 0;
      for (JsonNode container : pod.path(list)) {
        String path = at + "." + list + "[" + c++ + "]";
        String name = container.path("name").asText();
        if (!DNS_LABEL.matcher(name).matches() || name.length() > 63) {
          problems.add(path + ".name: Invalid value: \"" + name + "\"");
        }
        if (!containerNames.add(name)) {
          problems.add(path + ".name: Duplicate value: \"" + name + "\"");
        }
        String image = container.path("image").asText("");
        if (image.isEmpty()) {
          problems.add(path + ".image: Required value");
        } else if (!image.strip().equals(image)) {
          problems.add(path + ".image: Invalid value: must not have leading or trailing whitespace");
        }
        int e = 0;
        for (JsonNode env : container.path("env")) {
          String envName = env.path("name").asText("");
          if (envName.isEmpty() || envName.contains("=")) {
            problems.add(path + ".env[" + e + "].name: Invalid value: \"" + envName + "\": a valid environment variable name must consist of printable ASCII characters other than '='");
          }
          e++;
        }
        Set<String> mountPaths = new HashSet<>();
        int m = 0;
        for (JsonNode mount : container.path("volumeMounts")) {
          String mountAt = path + ".volumeMounts[" + m++ + "]";
          if (!volumes.contains(mount.path("name").asText())) {
            problems.add(mountAt + ".name: Not found: \"" + mount.path("name").asText() + "\"");
          }
          String mountPath = mount.path("mountPath").asText("");
          if (mountPath.isEmpty()) {
            problems.add(mountAt + ".mountPath: Required value");
          } else if (!mountPaths.add(mountPath)) {
            problems.add(mountAt + ".mountPath: Invalid value: \"" + mountPath + "\": must be unique");
          }
          String subPath = mount.path("subPath").asText("");
          if (subPath.startsWith("/") || List.of(subPath.split("/")).contains("..")) {
            problems.add(mountAt + ".subPath: Invalid value: \"" + subPath + "\": must be a relative path without '..'");
          }
          if (mount.has("recursiveReadOnly") && !"Disabled".equals(mount.get("recursiveReadOnly").asText())
              && !mount.path("readOnly").asBoolean(false)) {
            problems.add(mountAt + ".recursiveReadOnly: Forbidden: may only be specified when readOnly is true");
          }
        }
        Set<String> portNames = new HashSet<>();
        for (JsonNode port : container.path("ports")) {
          int number = port.path("containerPort").asInt(0);
          if (number < 1 || number > 65535) {
            problems.add(path + ".ports.containerPort: Invalid value: " + number);
          }
          String portName = port.path("name").asText("");
          if (!portName.isEmpty() && (portName.length() > 15 || !IANA_SVC_NAME.matcher(portName).matches() || !portNames.add(portName))) {
            problems.add(path + ".ports.name: Invalid value: \"" + portName + "\"");
          }
        }
        resources(path + ".resources", container.path("resources"), problems);
      }
    }
  }

  private static void resources(String at, JsonNode resources, List<String> problems) {
    for (String kind : List.of("limits", "requests")) {
      for (Iterator<Map.Entry<String, JsonNode>> it = resources.path(kind).fields(); it.hasNext(); ) {
        var entry = it.next();
        if (amount(entry.getValue().asText()) == null) {
          problems.add(at + "." + kind + "[" + entry.getKey() + "]: Invalid value: \"" + entry.getValue().asText() + "\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        }
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = resources.path("requests").fields(); it.hasNext(); ) {
      var entry = it.next();
      BigDecimal request = amount(entry.getValue().asText());
      BigDecimal limit = resources.path("limits").has(entry.getKey()) ? amount(resources.path("limits").get(entry.getKey()).asText()) : null;
      if (request != null && limit != null && request.compareTo(limit) > 0) {
        problems.add(at + ".requests[" + entry.getKey() + "]: Invalid value: \"" + entry.getValue().asText() + "\": must be less than or equal to " + entry.getKey() + " limit");
      }
      if (entry.getKey().contains("nvidia.com/gpu") && limit != null && request != null && request.compareTo(limit) != 0) {
        problems.add(at + ".requests[" + entry.getKey() + "]: Invalid value: must be equal to " + entry.getKey() + " limit (extended resources cannot be overcommitted)");
      }
    }
  }

  private static void labels(String at, JsonNode labels, List<String> problems) {
    for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
      var entry = it.next();
      if (!qualifiedName(entry.getKey())) {
        problems.add(at + ": Invalid value: \"" + entry.getKey() + "\"");
      }
      String value = entry.getValue().asText();
      if (value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
        problems.add(at + ": Invalid value: \"" + value + "\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', at most 63");
      }
    }
  }

  private static boolean qualifiedName(String key) {
    String name = key;
    int slash = key.lastIndexOf('/');
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
        return false;
      }
      name = key.substring(slash + 1);
    }
    return !name.isEmpty() && name.length() <= 63 && QUALIFIED_NAME.matcher(name).matches();
  }

  private static BigDecimal amount(String quantity) {
    if (!quantity.matches("^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")) {
      return null;
    }
    try {
      return Quantity.getAmountInBytes(new Quantity(quantity));
    } catch (RuntimeException invalid) {
      return null;
    }
  }

  /** The server stores quantities in canonical form: 1024Mi becomes 1Gi, 1000m becomes 1, 0.5 becomes 500m. */
  private static void canonicalQuantities(ObjectNode resources) {
    for (String kind : List.of("limits", "requests")) {
      if (resources.get(kind) instanceof ObjectNode values) {
        values.fieldNames().forEachRemaining(key -> {
          String canonical = canonical(values.get(key).asText());
          if (canonical != null) {
            values.put(key, canonical);
          }
        });
      }
    }
  }

  static String canonical(String quantity) {
    BigDecimal value = amount(quantity);
    if (value == null || quantity.contains("e") || quantity.contains("E")) {
      return null;
    }
    if (value.signum() == 0) {
      return "0";
    }
    if (quantity.endsWith("i") && value.signum() >= 0) {
      String[] binary = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
      for (int n = binary.length - 1; n >= 0; n--) {
        BigDecimal unit = BigDecimal.valueOf(1024).pow(n);
        BigDecimal[] division = value.divideAndRemainder(unit);
        if (division[1].signum() == 0 && (n > 0 || value.stripTrailingZeros().scale() <= 0)) {
          return division[0].toBigInteger() + binary[n];
        }
      }
    }
    String[] decimal = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    for (int n = decimal.length - 1; n >= 0; n--) {
      BigDecimal scaled = value.movePointLeft((n - 3) * 3);
      if (scaled.stripTrailingZeros().scale() <= 0) {
        return scaled.toBigInteger() + decimal[n];
      }
    }
    return null;
  }

  private static void putIfAbsent(ObjectNode node, String field, Object value) {
    if (node.has(field) && !node.get(field).isNull()) {
      return;
    }
    if (value instanceof Integer i) {
      node.put(field, i);
    } else if (value instanceof Boolean b) {
      node.put(field, b);
    } else {
      node.put(field, value.toString());
    }
  }
}
