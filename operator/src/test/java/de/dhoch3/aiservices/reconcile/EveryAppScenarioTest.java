package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.reconcile.dependents.OwnedObjectDiff;
import de.dhoch3.aiservices.workload.Workload;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each catalog app through the real reconciler: the cluster gets what render shows, and the status tells the layout. */
class EveryAppScenarioTest extends OperatorScenario {
  static Stream<App> apps() {
    return Catalog.all().stream().map(p -> p.defaults().app());
  }

  @ParameterizedTest
  @MethodSource("apps")
  void theClusterGetsTheRenderedWorkloadAndTheStatusShowsTheLayout(App app) {
    AIService ai = de.dhoch3.aiservices.apps.AppTranslationTest.aiservice(app);
    ai.getMetadata().setNamespace(NS);
    ai.getSpec().storage = new de.dhoch3.aiservices.api.StorageSpec();
    ai.getSpec().storage.serviceDir = "scenario-" + app.value();
    AIService created = harness.create(ai);
    Workload expected = WorkloadBuilder.build(created, OperatorConfig.defaults());

    AIService reconciled = harness.awaitStatus(app.value(), a -> a.getStatus().observedGeneration == 1L);
    assertThat(reconciled.getStatus().modelPaths).isEqualTo(expected.modelPaths());
    await().untilAsserted(() -> {
      Deployment deployment = harness.deployment(app.value());
      assertThat(deployment).isNotNull();
      // the API server (emulated) filled in its defaults; beyond those the live object is what render prints
      assertThat(OwnedObjectDiff.differences(expected.deployment(), deployment, created.getMetadata().getUid())).isEmpty();
      // mounts are never defaulted: compared as written
      assertThat(Serialization.asJson(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts()))
          .isEqualTo(Serialization.asJson(expected.deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts()));
      assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getTerminationMessagePath())
          .as("server defaults are filled in, as on a real API server").isEqualTo("/dev/termination-log");
    });
    ConfigMap config = harness.client.configMaps().inNamespace(NS).withName(app.value() + "-config").get();
    if (expected.configMap() == null) {
      assertThat(config).isNull();
    } else {
      assertThat(config.getData()).isEqualTo(expected.configMap().getData());
    }
  }
}
