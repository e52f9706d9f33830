package de.dhoch3.aiservices.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.reconcile.OperatorHarness;
import de.dhoch3.aiservices.reconcile.StatusCalculator;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The admitted cases of the bad-input catalogue (BadInputCatalogueTest) through the real
 * reconciler: each stalls naming the field and creates nothing. Apart from the catalogue's
 * render and admission checks because an operator per configuration takes seconds to start.
 */
class BadInputReconcilerTest {
  private static final YAMLMapper YAML = new YAMLMapper();
  /** One operator per operator configuration in the catalogue. */
  private static final Map<String, OperatorHarness> HARNESSES = new HashMap<>();

  static java.util.stream.Stream<BadInputCatalogueTest.Case> admitted() throws Exception {
    return BadInputCatalogueTest.admitted();
  }

  @AfterAll
  static void stopOperators() {
    HARNESSES.values().forEach(OperatorHarness::close);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("admitted")
  void theReconcilerStallsNamingTheFieldAndCreatesNothing(BadInputCatalogueTest.Case c) throws Exception {
    JsonNode manifest = YAML.readTree(c.path().toFile());
    AIService ai = Serialization.jsonMapper().convertValue(manifest, AIService.class);
    ai.getMetadata().setNamespace(OperatorHarness.NS);
    String name = ai.getMetadata().getName();
    // one shared operator: each AIService its own data folder, so a case that wrongly passed cannot stall the next one's
    if (ai.getSpec().storage == null) {
      ai.getSpec().storage = new de.dhoch3.aiservices.api.StorageSpec();
    }
    if (ai.getSpec().storage.serviceDir == null) {
      ai.getSpec().storage.serviceDir = name;
    }
    OperatorHarness harness = harness(c);
    harness.client.resource(ai).create();

    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> stalled(harness.get(name)) != null);
    Condition stalled = stalled(harness.get(name));
    assertThat(stalled.getReason()).isEqualTo(StatusCalculator.REASON_INVALID_SPEC);
    assertThat(stalled.getMessage()).as(c.file()).contains(c.field());
    KubernetesClient client = harness.client;
    String ns = OperatorHarness.NS;
    assertThat(client.apps().deployments().inNamespace(ns).withName(name).get()).as("Deployment").isNull();
    assertThat(client.services().inNamespace(ns).withName(name).get()).as("Service").isNull();
    assertThat(client.configMaps().inNamespace(ns).withName(name + "-config").get()).as("ConfigMap").isNull();
    assertThat(client.configMaps().inNamespace(ns).withName(name).get()).as("ConfigMap").isNull();
    assertThat(client.network().v1().ingresses().inNamespace(ns).withName(name).get()).as("Ingress").isNull();
  }

  private static Condition stalled(AIService ai) {
    if (ai == null || ai.getStatus() == null) {
      return null;
    }
    return OperatorHarness.condition(ai, StatusCalculator.STALLED).filter(s -> "True".equals(s.getStatus())).orElse(null);
  }

  private static OperatorConfig config(BadInputCatalogueTest.Case c) {
    return c.config() == null ? OperatorConfig.defaults()
        : OperatorConfig.parse(new ByteArrayInputStream(c.config().getBytes(StandardCharsets.UTF_8)), c.file());
  }

  private static synchronized OperatorHarness harness(BadInputCatalogueTest.Case c) {
    return HARNESSES.computeIfAbsent(c.config() == null ? "" : c.config(), key -> new OperatorHarness(config(c)));
  }
}
