package de.dhoch3.aiservices.chart;

import static de.dhoch3.aiservices.chart.HelmChartTest.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every object of both charts (every example values file) and of examples/ read as the typed
 * Kubernetes model (fabric8's, Kubernetes 1.34): a field the API does not know (a typo, a field at
 * the wrong level) lands in "additionalProperties" and fails here; and rendered for the oldest
 * supported version (1.27), only kinds that version serves.
 */
class KubernetesSchemaTest {
  /** Group/version/kind -> the first minor version of Kubernetes that serves it (GA). */
  private static final Map<String, Integer> SERVED_FROM = Map.of(
      "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy", 30,
      "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding", 30,
      "resource.k8s.io/v1/ResourceClaimTemplate", 34);

  static List<JsonNode> objects(int minor) throws Exception {
    List<JsonNode> docs = new ArrayList<>();
    List<Path> values = new ArrayList<>(List.of(Path.of("")));
    try (Stream<Path> files = Files.list(ROOT.resolve("examples/helm"))) {
      files.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(values::add);
    }
    for (Path file : values) {
      var template = new Helm(HelmChartTest.CHART).template().withName("aiservice-operator").withNamespace("aiservice-system")
          .withKubeVersion("1." + minor + ".0");
      if (!file.toString().isEmpty()) {
        template.withValuesFile(file);
      }
      docs.addAll(HelmChartTest.documents(template.call()));
    }
    docs.addAll(HelmChartTest.documents(new Helm(ROOT.resolve("helm/aiservice-studio")).template().withName("studio")
        .withNamespace("aiservice-system").withKubeVersion("1." + minor + ".0").call()));
    try (Stream<Path> files = Files.walk(ROOT.resolve("examples"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml") && !f.startsWith(ROOT.resolve("examples/helm"))).sorted().toList()) {
        var parser = new YAMLFactory().createParser(file.toFile());
        new ObjectMapper().readValues(parser, JsonNode.class).forEachRemaining(doc -> {
          if (doc != null && doc.has("kind") && doc.has("apiVersion") && !doc.path("kind").asText().startsWith("Kustomization")) {
            docs.add(doc);
          }
        });
      }
    }
    return docs;
  }

  @ParameterizedTest(name = "Kubernetes 1.{0}")
  @ValueSource(ints = {27, 34})
  void everyObjectIsKnownToTheKubernetesModelAndServedByTheVersion(int minor) throws Exception {
    int typed = 0;
    for (JsonNode doc : objects(minor)) {
      String gvk = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
      assertThat(SERVED_FROM.getOrDefault(gvk, 0)).as(gvk + " on 1." + minor).isLessThanOrEqualTo(minor);
      KubernetesResource resource = Serialization.unmarshal(doc.toString(), KubernetesResource.class);
      if (resource instanceof GenericKubernetesResource) {
        continue; // a custom resource (AIService, AIModel, Argo CD, Flux, ServiceMonitor): checked by its own schema elsewhere
      }
      List<String> unknown = new ArrayList<>();
      unknownFields(resource, gvk, unknown, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
      assertThat(unknown).as(gvk + " " + doc.path("metadata").path("name").asText()).isEmpty();
      typed++;
    }
    assertThat(typed).isGreaterThan(20);

    // the check itself: a field at the wrong level is found
    KubernetesResource typo = Serialization.unmarshal("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"},"
        + "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"readOnly\":true}]}}}}", KubernetesResource.class);
    List<String> unknown = new ArrayList<>();
    unknownFields(typo, "Deployment", unknown, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    assertThat(unknown).singleElement().asString().contains("Containers[0]").contains("readOnly");
  }

  /** Walks a fabric8 model object: every non-empty additionalProperties is a field the API does not have. */
  private static void unknownFields(Object object, String path, List<String> unknown, Set<Object> seen) throws Exception {
    if (object == null || !seen.add(object)) {
      return;
    }
    if (object instanceof Collection<?> list) {
      int i = 0;
      for (Object item : list) {
        unknownFields(item, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (object instanceof Map<?, ?> map) {
      for (var entry : map.entrySet()) {
        unknownFields(entry.getValue(), path + "." + entry.getKey(), unknown, seen);
      }
      return;
    }
    if (!object.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : object.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value = getter.invoke(object);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + ": " + extra.keySet());
        }
      } else {
        unknownFields(value, path + "." + getter.getName().substring(3), unknown, seen);
      }
    }
  }
}
