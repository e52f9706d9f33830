package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.condition;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.conditionIs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AIServiceReconcilerTest {
  static OperatorHarness harness;

  @BeforeAll
  static void start() {
    harness = new OperatorHarness(OperatorConfig.defaults());
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  @Test
  void comfyuiGetsDeploymentServiceConfigAndStatus() {
    AIService created = harness.create(aiservice("comfyui", App.COMFYUI));

    AIService ai = harness.awaitStatus("comfyui", conditionIs(StatusCalculator.READY, "False"));
    assertThat(ai.getStatus().observedGeneration).isEqualTo(created.getMetadata().getGeneration());
    assertThat(condition(ai, StatusCalculator.RECONCILING).orElseThrow().getStatus()).isEqualTo("True");
    assertThat(condition(ai, StatusCalculator.STALLED).orElseThrow().getStatus()).isEqualTo("False");

    Deployment deployment = harness.deployment("comfyui");
    Service service = harness.client.services().inNamespace(NS).withName("comfyui").get();
    ConfigMap config = harness.client.configMaps().inNamespace(NS).withName("comfyui-config").get();
    assertThat(deployment).isNotNull();
    assertThat(service).isNotNull();
    assertThat(config.getData()).containsKey("extra_model_paths.yaml");
    for (var owned : java.util.List.of(deployment, service, config)) {
      assertThat(owned.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(ref -> {
            assertThat(ref.getUid()).isEqualTo(created.getMetadata().getUid());
            assertThat(ref.getKind()).isEqualTo("AIService");
            assertThat(ref.getController()).isTrue();
          });
    }
  }
}
