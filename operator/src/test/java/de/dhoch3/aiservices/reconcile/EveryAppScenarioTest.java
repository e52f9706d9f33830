package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.apps.Catalog;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each catalog app through the real reconciler: the cluster gets exactly the reviewed golden file
 * (operator/src/test/resources/golden/<app>.yaml, reviewed by hand), apart from what the API
 * server fills in, which this test strips itself from the Kubernetes sources
 * (pkg/apis/core/v1/defaults.go: terminationMessagePath/Policy 94-99, probes' successThreshold and
 * scheme 234-246 and 322, dnsPolicy 217-219, restartPolicy 220-222, schedulerName 230-232,
 * ConfigMap volumes' defaultMode 254-259), not with the operator's own comparison.
 */
class EveryAppScenarioTest extends OperatorScenario {
  private static final Path GOLDEN = Path.of(System.getProperty("repo.root", ".."), "operator/src/test/resources/golden");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static Stream<App> apps() {
    return Catalog.all().stream().map(p -> p.defaults().app());
  }

  private static List<JsonNode> golden(App app) throws Exception {
    List<JsonNode> docs = new ArrayList<>();
    var values = YAML.readValues(YAML.getFactory().createParser(GOLDEN.resolve(app.value() + ".yaml").toFile()), JsonNode.class);
    while (values.hasNextValue()) {
      docs.add(values.nextValue());
    }
    return docs;
  }

  private static JsonNode ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).findFirst().orElse(null);
  }

  /** The pod template as the golden file has it: the live one with the server's defaults taken out. */
  private static JsonNode withoutServerDefaults(Deployment live, JsonNode want) {
    ObjectNode template = (ObjectNode) Serialization.jsonMapper().valueToTree(live.getSpec().getTemplate());
    ObjectNode pod = (ObjectNode) template.get("spec");
    pod.remove(List.of("dnsPolicy", "restartPolicy", "schedulerName"));
    for (String list : List.of("containers", "initContainers")) {
      int index = 0;
      for (JsonNode c : pod.path(list)) {
        ((ObjectNode) c).remove(List.of("terminationMessagePath", "terminationMessagePolicy"));
        // imagePullPolicy: defaulted from the tag where the operator left it out (defaults.go 83-93)
        if (!want.path("spec").path(list).path(index++).has("imagePullPolicy")) {
          ((ObjectNode) c).remove("imagePullPolicy");
        }
        for (String probe : List.of("readinessProbe", "startupProbe", "livenessProbe")) {
          if (c.has(probe)) {
            ((ObjectNode) c.get(probe)).remove("successThreshold");
            if (c.get(probe).has("httpGet")) {
              ((ObjectNode) c.get(probe).get("httpGet")).remove("scheme");
            }
          }
        }
        if (c.path("resources").isEmpty()) {
          ((ObjectNode) c).remove("resources");
        }
      }
    }
    for (JsonNode v : pod.path("volumes")) {
      if (v.has("configMap")) {
        ((ObjectNode) v.get("configMap")).remove("defaultMode");
      }
    }
    try {
      // numbers as the same node types on both sides (a Long field would otherwise never equal the file's int)
      return new ObjectMapper().readTree(template.toString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest
  @MethodSource("apps")
  void theClusterGetsTheReviewedGoldenWorkload(App app) throws Exception {
    AIService ai = Serialization.unmarshal(Files.readString(GOLDEN.resolve(app.value() + ".input.yaml")), AIService.class);
    ai.getMetadata().setNamespace(NS);
    ai.getMetadata().setUid(null);
    harness.create(ai);
    List<JsonNode> golden = golden(app);
    JsonNode wantTemplate = new ObjectMapper().readTree(ofKind(golden, "Deployment").path("spec").path("template").toString());

    AIService reconciled = harness.awaitStatus(ai.getMetadata().getName(), a -> a.getStatus().observedGeneration == 1L);
    if (app != App.CUSTOM) {
      assertThat(reconciled.getStatus().modelPaths).as("the layout in the status").isNotEmpty()
          .allSatisfy(p -> assertThat(p.path).startsWith("/"));
    }
    await().untilAsserted(() -> {
      Deployment deployment = harness.deployment(ai.getMetadata().getName());
      assertThat(deployment).isNotNull();
      assertThat(withoutServerDefaults(deployment, wantTemplate)).isEqualTo(wantTemplate);
      assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getTerminationMessagePath())
          .as("server defaults are filled in, as on a real API server").isEqualTo("/dev/termination-log");
    });
    ConfigMap config = harness.client.configMaps().inNamespace(NS).withName(ai.getMetadata().getName() + "-config").get();
    JsonNode wantConfig = ofKind(golden, "ConfigMap");
    if (wantConfig == null) {
      assertThat(config).isNull();
    } else {
      JsonNode liveData = Serialization.jsonMapper().valueToTree(config.getData());
      assertThat(liveData).isEqualTo(wantConfig.path("data"));
    }
  }
}
