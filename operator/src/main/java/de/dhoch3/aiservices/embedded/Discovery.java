package de.dhoch3.aiservices.embedded;

import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Discovery answers for the in-process API server (the mock has none), so kubectl can talk to it:
 * the groups and kinds the operator and its users touch.
 */
final class Discovery {
  private static final List<String> VERBS = List.of("create", "delete", "get", "list", "patch", "update", "watch");
  private static final Map<String, List<APIResource>> GROUP_VERSIONS = new LinkedHashMap<>();

  static {
    GROUP_VERSIONS.put("v1", List.of(
        resource("namespaces", "Namespace", false, "ns"), resource("pods", "Pod", true, "po"),
        resource("services", "Service", true, "svc"), resource("configmaps", "ConfigMap", true, "cm"),
        resource("secrets", "Secret", true), resource("events", "Event", true, "ev"),
        resource("persistentvolumeclaims", "PersistentVolumeClaim", true, "pvc")));
    GROUP_VERSIONS.put("apps/v1", List.of(resource("deployments", "Deployment", true, "deploy"), resource("replicasets", "ReplicaSet", true, "rs")));
    GROUP_VERSIONS.put("networking.k8s.io/v1", List.of(resource("ingresses", "Ingress", true, "ing")));
    GROUP_VERSIONS.put("resource.k8s.io/v1", List.of(resource("resourceclaimtemplates", "ResourceClaimTemplate", true)));
    GROUP_VERSIONS.put("coordination.k8s.io/v1", List.of(resource("leases", "Lease", true)));
    GROUP_VERSIONS.put("apiextensions.k8s.io/v1", List.of(resource("customresourcedefinitions", "CustomResourceDefinition", false, "crd")));
    GROUP_VERSIONS.put("ai.dhoch3.de/v1alpha1", List.of(resource("aiservices", "AIService", true, "ais"), resource("aiservices/status", "AIService", true)));
  }

  private Discovery() {}

  /** The discovery document for this path, if it is one. */
  static Optional<Object> answer(String path) {
    if (path.equals("/api")) {
      return Optional.of(new APIVersionsBuilder().withVersions("v1").build());
    }
    if (path.equals("/apis")) {
      var list = new APIGroupListBuilder();
      GROUP_VERSIONS.keySet().stream().filter(gv -> gv.contains("/")).forEach(gv -> {
        String group = gv.substring(0, gv.indexOf('/'));
        var version = new GroupVersionForDiscoveryBuilder().withGroupVersion(gv).withVersion(gv.substring(gv.indexOf('/') + 1)).build();
        list.addToGroups(new APIGroupBuilder().withName(group).withVersions(version).withPreferredVersion(version).build());
      });
      return Optional.of(list.build());
    }
    String groupVersion = path.startsWith("/api/") ? path.substring("/api/".length())
        : path.startsWith("/apis/") ? path.substring("/apis/".length()) : null;
    if (groupVersion == null || !GROUP_VERSIONS.containsKey(groupVersion)) {
      return Optional.empty();
    }
    return Optional.of(new APIResourceListBuilder().withGroupVersion(groupVersion)
        .withResources(new ArrayList<>(GROUP_VERSIONS.get(groupVersion))).build());
  }

  private static APIResource resource(String plural, String kind, boolean namespaced, String... shortNames) {
    return new APIResourceBuilder().withName(plural).withKind(kind).withNamespaced(namespaced)
        .withSingularName(plural.contains("/") ? "" : kind.toLowerCase()).withVerbs(VERBS).withShortNames(shortNames).build();
  }
}
