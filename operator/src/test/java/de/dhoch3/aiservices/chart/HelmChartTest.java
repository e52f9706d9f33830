package de.dhoch3.aiservices.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ExposeSpec;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The chart, linted and rendered by a real Helm (helm-java, offline), read object by object. */
class HelmChartTest {
  static final Path ROOT = Path.of(System.getProperty("repo.root", ".."));
  static final Path CHART = ROOT.resolve("helm/aiservice-operator");
  private static final YAMLMapper YAML = new YAMLMapper();

  static List<JsonNode> render(Path... valuesFiles) throws Exception {
    var template = new Helm(CHART).template().withName("aiservice-operator").withNamespace("aiservice-system").withKubeVersion("1.34.0");
    for (Path values : valuesFiles) {
      template.withValuesFile(values);
    }
    return documents(template.call());
  }

  static List<JsonNode> documents(String yaml) throws Exception {
    List<JsonNode> docs = new ArrayList<>();
    var parser = new YAMLFactory().createParser(yaml);
    var values = new ObjectMapper().readValues(parser, JsonNode.class);
    while (values.hasNextValue()) {
      JsonNode doc = values.nextValue();
      if (doc != null && doc.has("kind")) {
        docs.add(doc);
      }
    }
    return docs;
  }

  static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
  }

  static JsonNode one(List<JsonNode> docs, String kind) {
    List<JsonNode> found = ofKind(docs, kind);
    assertThat(found).as(kind).hasSize(1);
    return found.get(0);
  }

  static Stream<Path> exampleValues() throws Exception {
    return Files.list(ROOT.resolve("examples/helm")).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @Test
  void lintsStrictlyClean() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  /**
   * helm lint takes no values file here (helm-java), so lint a copy of the chart whose
   * values.yaml is the defaults merged with the example, as helm install -f would merge them.
   */
  @ParameterizedTest
  @MethodSource("exampleValues")
  void lintsStrictlyWithEveryExampleValuesFile(Path values, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path copy = dir.resolve("aiservice-operator");
    try (Stream<Path> files = Files.walk(CHART)) {
      for (Path file : files.toList()) {
        Path target = copy.resolve(CHART.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
    JsonNode merged = YAML.readerForUpdating(YAML.readTree(CHART.resolve("values.yaml").toFile())).readValue(values.toFile());
    Files.writeString(copy.resolve("values.yaml"), YAML.writeValueAsString(merged));
    LintResult result = new Helm(copy).lint().strict().call();
    assertThat(result.isFailed()).as(values + ":\n" + String.join("\n", result.getMessages())).isFalse();
  }

  @ParameterizedTest
  @MethodSource("exampleValues")
  void everyExampleValuesFileRenders(Path values) throws Exception {
    List<JsonNode> docs = render(values);
    assertThat(ofKind(docs, "Deployment")).hasSize(1);
    assertThat(ofKind(docs, "CustomResourceDefinition")).hasSize(1);
  }

  @Test
  void theOperatorRunsRestricted() throws Exception {
    JsonNode pod = one(render(), "Deployment").path("spec").path("template").path("spec");
    assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.path("securityContext").path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
    JsonNode container = pod.path("containers").get(0);
    JsonNode security = container.path("securityContext");
    assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(security.path("allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(security.path("capabilities").path("drop")).extracting(JsonNode::asText).containsExactly("ALL");
    assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
    assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
    assertThat(container.path("args")).extracting(JsonNode::asText)
        .contains("run", "--config=/etc/aiservice-operator/config.yaml").doesNotContain("--leader-election");
  }

  @Test
  void rbacCoversEveryCallOfTheOperatorAndNothingMore() throws Exception {
    List<JsonNode> docs = render();
    JsonNode rules = one(docs, "ClusterRole").path("rules");
    // every kind the operator owns, from the objects the builder makes
    AIService ai = new AIService();
    ai.setMetadata(new ObjectMetaBuilder().withName("x").withNamespace("ns").build());
    ai.setSpec(new AIServiceSpec());
    ai.getSpec().app = App.COMFYUI;
    ai.getSpec().gpu = new GpuSpec();
    ai.getSpec().gpu.mode = GpuSpec.Mode.DRA;
    ai.getSpec().expose = new ExposeSpec();
    ai.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
    ai.getSpec().expose.ingress.host = "x.example.com";
    List<HasMetadata> owned = WorkloadBuilder.build(ai, OperatorConfig.defaults()).objects();
    assertThat(owned).extracting(HasMetadata::getKind).contains("ConfigMap", "Deployment", "Service", "Ingress", "ResourceClaimTemplate");
    for (HasMetadata object : owned) {
      assertAllowed(rules, HasMetadata.getGroup(object.getClass()), HasMetadata.getPlural(object.getClass()),
          "get", "list", "watch", "create", "update", "delete");
    }
    assertAllowed(rules, AIService.GROUP, "aiservices", "get", "list", "watch");
    assertAllowed(rules, AIService.GROUP, "aiservices/status", "update");
    assertAllowed(rules, "", "pods", "get", "list", "watch");
    assertAllowed(rules, "", "events", "create", "list");
    // owner references carry blockOwnerDeletion: needs update on the owner's finalizers where enforced
    assertAllowed(rules, AIService.GROUP, "aiservices/finalizers", "update");
    // nothing more: no wildcard, no secrets, no writes to AIServices' spec
    for (JsonNode rule : rules) {
      assertThat(rule.path("verbs")).extracting(JsonNode::asText).doesNotContain("*", "deletecollection", "patch");
      assertThat(rule.path("resources")).extracting(JsonNode::asText).doesNotContain("*", "secrets");
    }
    assertThat(ofKind(docs, "Role")).as("no lease role with one replica").isEmpty();
  }

  private static void assertAllowed(JsonNode rules, String group, String resource, String... verbs) {
    for (String verb : verbs) {
      boolean allowed = false;
      for (JsonNode rule : rules) {
        List<String> groups = new ArrayList<>();
        rule.path("apiGroups").forEach(g -> groups.add(g.asText()));
        List<String> resources = new ArrayList<>();
        rule.path("resources").forEach(r -> resources.add(r.asText()));
        List<String> ruleVerbs = new ArrayList<>();
        rule.path("verbs").forEach(v -> ruleVerbs.add(v.asText()));
        allowed |= groups.contains(group == null ? "" : group) && resources.contains(resource) && ruleVerbs.contains(verb);
      }
      assertThat(allowed).as(verb + " " + resource + "." + group).isTrue();
    }
  }

  @Test
  void namespacedModeGrantsRolesInTheWatchedNamespacesOnlyAndElectsALeader() throws Exception {
    List<JsonNode> docs = render(ROOT.resolve("examples/helm/multi-node-nfs.yaml"));
    assertThat(ofKind(docs, "ClusterRole")).isEmpty();
    assertThat(ofKind(docs, "ClusterRoleBinding")).isEmpty();
    assertThat(ofKind(docs, "Role")).extracting(r -> r.path("metadata").path("namespace").asText())
        .containsExactlyInAnyOrder("studio", "aiservice-system");
    JsonNode lease = ofKind(docs, "Role").stream().filter(r -> r.path("metadata").path("name").asText().endsWith("leader-election")).findFirst().orElseThrow();
    assertThat(lease.path("rules").get(0).path("resources").get(0).asText()).isEqualTo("leases");
    JsonNode container = one(docs, "Deployment").path("spec").path("template").path("spec").path("containers").get(0);
    assertThat(container.path("args")).extracting(JsonNode::asText).contains("--leader-election", "--lease-namespace=aiservice-system");
  }

  @Test
  void theCrdIsTheOneOfTheRepository() throws Exception {
    JsonNode rendered = one(render(), "CustomResourceDefinition");
    JsonNode repository = YAML.readTree(ROOT.resolve("crds/aiservices.ai.dhoch3.de-v1.yml").toFile());
    assertThat(rendered).isEqualTo(repository);
    assertThat(Files.readAllBytes(CHART.resolve("files/crds/aiservices.ai.dhoch3.de-v1.yml")))
        .isEqualTo(Files.readAllBytes(ROOT.resolve("crds/aiservices.ai.dhoch3.de-v1.yml")));
    assertThat(rendered.path("metadata").path("annotations").path("helm.sh/resource-policy").asText()).isEqualTo("keep");
  }

  @Test
  void theConfigurationIsRenderedAsTheOperatorParsesIt() throws Exception {
    OperatorConfig defaults = config(render());
    assertThat(defaults.storage.models.hostPath).isEqualTo("/vol/service/cw/storage-models/models");
    assertThat(defaults.storage.data.hostPath).isEqualTo("/vol/service/cw/storage");
    assertThat(defaults.storage.user.hostPath).isEqualTo("/vol/service/cw/storage-user");
    assertThat(defaults.storage.roots.models).containsExactly("/vol/service/cw/storage-models");
    assertThat(defaults.storage.roots.data).containsExactly("/vol/service/cw/storage");
    assertThat(defaults.policy.serviceTypes).containsExactly("ClusterIP");
    assertThat(defaults.gpu.mode).isEqualTo(GpuSpec.Mode.EXCLUSIVE);

    OperatorConfig nfs = config(render(ROOT.resolve("examples/helm/multi-node-nfs.yaml")));
    assertThat(nfs.storage.models.claimName).isEqualTo("studio-models");
    assertThat(nfs.watchNamespaces).containsExactly("studio");

    OperatorConfig single = config(render(ROOT.resolve("examples/helm/single-gpu-server.yaml")));
    assertThat(single.gpu.mode).isEqualTo(GpuSpec.Mode.SHARED);
    assertThat(single.ingress.domain).isEqualTo("studio.example.com");
  }

  /** Blank chart defaults (ingress.className: "", clusterIssuer: "") must not become objects a real API server refuses. */
  @Test
  void everyExampleRenderedWithTheChartsDefaultConfigurationIsAcceptedByARealApiServer() throws Exception {
    OperatorConfig chartDefaults = config(render());
    assertThat(chartDefaults.ingress.className).as("blank means unset").isNull();
    assertThat(chartDefaults.ingress.clusterIssuer).isNull();
    int built = 0;
    List<Path> files;
    try (var walk = java.nio.file.Files.walk(ROOT.resolve("examples"))) {
      files = walk.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path file : files) {
      for (JsonNode doc : YAML.readValues(YAML.createParser(file.toFile()), JsonNode.class).readAll()) {
        if (doc == null || !"AIService".equals(doc.path("kind").asText())) {
          continue;
        }
        AIService ai = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().treeToValue(doc, AIService.class);
        if (ai.getMetadata().getNamespace() == null) {
          ai.getMetadata().setNamespace("default");
        }
        ai.getMetadata().setUid("00000000-0000-4000-8000-000000000001");
        List<HasMetadata> objects;
        try {
          objects = WorkloadBuilder.build(ai, chartDefaults).objects();
        } catch (de.dhoch3.aiservices.validation.InvalidSpecException stalls) {
          continue; // e.g. an ingress without host while the chart sets no domain: Stalled, nothing written
        }
        for (HasMetadata object : objects) {
          assertThat(de.dhoch3.aiservices.embedded.ApiServerRules.refusals(object))
              .as(file + ": " + object.getKind() + " " + object.getMetadata().getName()).isEmpty();
          if (object instanceof io.fabric8.kubernetes.api.model.networking.v1.Ingress ingress) {
            assertThat(ingress.getSpec().getIngressClassName()).as("never an empty class name").isNotEqualTo("");
            assertThat(ingress.getMetadata().getAnnotations()).doesNotContainValue("");
          }
        }
        built++;
      }
    }
    assertThat(built).as("example AIServices built with the chart's defaults").isGreaterThanOrEqualTo(8);
  }

  private static OperatorConfig config(List<JsonNode> docs) {
    String yaml = one(docs, "ConfigMap").path("data").path("config.yaml").asText();
    return OperatorConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "chart config");
  }

  @Test
  void sharedStorageIsRetainedAndKept() throws Exception {
    for (String file : List.of("multi-node-nfs.yaml", "smb.yaml")) {
      List<JsonNode> docs = render(ROOT.resolve("examples/helm/" + file));
      assertThat(ofKind(docs, "PersistentVolume")).hasSize(3).allSatisfy(pv ->
          assertThat(pv.path("spec").path("persistentVolumeReclaimPolicy").asText()).isEqualTo("Retain"));
      assertThat(ofKind(docs, "PersistentVolumeClaim")).hasSize(3).allSatisfy(pvc ->
          assertThat(pvc.path("metadata").path("annotations").path("helm.sh/resource-policy").asText()).isEqualTo("keep"));
    }
    JsonNode smbModels = ofKind(render(ROOT.resolve("examples/helm/smb.yaml")), "PersistentVolume").get(0);
    assertThat(smbModels.path("spec").path("csi").path("driver").asText()).isEqualTo("smb.csi.k8s.io");
    assertThat(smbModels.path("spec").path("csi").path("volumeAttributes").path("source").asText()).isEqualTo("//nas.studio.example.com/cw/storage-models/models");
    assertThat(smbModels.path("spec").path("csi").path("readOnly").asBoolean()).isTrue();
  }

  @Test
  void theArgoCdHealthCheckCanComeWithTheChart() throws Exception {
    assertThat(ofKind(render(), "ConfigMap")).hasSize(1);
    JsonNode health = ofKind(render(ROOT.resolve("examples/helm/smb.yaml")), "ConfigMap").stream()
        .filter(c -> c.path("metadata").path("name").asText().endsWith("-argocd-health")).findFirst().orElseThrow();
    assertThat(health.path("metadata").path("namespace").asText()).isEqualTo("argocd");
    String lua = Files.readString(CHART.resolve("files/argocd-health.lua"));
    assertThat(health.path("data").path("health.lua").asText()).isEqualTo(lua);
    JsonNode patch = YAML.readTree(health.path("data").path("patch.yaml").asText());
    assertThat(patch.path("data").path("resource.customizations.health.ai.dhoch3.de_AIService").asText()).isEqualTo(lua);
  }

  @Test
  void aWholeStudioIsOneInstall() throws Exception {
    List<JsonNode> aiservices = ofKind(render(ROOT.resolve("examples/helm/single-gpu-server.yaml")), "AIService");
    assertThat(aiservices).extracting(a -> a.path("spec").path("app").asText())
        .containsExactly("comfyui", "forge-neo", "fooocus", "invokeai", "fluxgym", "ai-toolkit");
    assertThat(aiservices).allSatisfy(a -> assertThat(a.path("metadata").path("namespace").asText()).isEqualTo("studio"));
  }

  @Test
  void wrongValuesAreRejectedWithTheKey(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "gpu: {mode: exclusiv}\nreplicaCount: 0\n");
    assertThatThrownBy(() -> render(bad)).hasMessageContaining("gpu").hasMessageContaining("mode").hasMessageContaining("replicaCount");
    Path typo = dir.resolve("typo.yaml");
    Files.writeString(typo, "storrage: {}\n");
    assertThatThrownBy(() -> render(typo)).hasMessageContaining("storrage");
  }
}
