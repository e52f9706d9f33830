package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The operator's caches keep objects without metadata.managedFields, which a real server (and the
 * embedded one) writes into every object and the operator never reads: at 10,000 AIServices they
 * would be a large share of the heap.
 */
class CachedObjectsTest extends OperatorScenario {
  @SuppressWarnings("unchecked")
  private static Controller<AIService> controller() {
    return (Controller<AIService>) harness.operator.getRegisteredController(AIServiceReconciler.NAME).orElseThrow();
  }

  private static <R extends HasMetadata> Optional<R> cached(Class<R> type, String name) {
    return controller().getEventSourceManager().getEventSourcesFor(type).stream()
        .map(source -> ((InformerEventSource<R, AIService>) source).get(new ResourceID(name, NS)))
        .flatMap(Optional::stream).findFirst();
  }

  @Test
  void theServerWritesManagedFieldsTheCachesDoNotKeepThem() {
    harness.create(aiservice("lean", App.COMFYUI));
    await().atMost(Duration.ofSeconds(30)).until(() -> harness.deployment("lean") != null
        && harness.client.services().inNamespace(NS).withName("lean").get() != null);

    // on the server: the writer's fields, as a real server records them
    assertThat(harness.deployment("lean").getMetadata().getManagedFields()).isNotEmpty()
        .allSatisfy(entry -> assertThat(entry.getFieldsV1().getAdditionalProperties()).containsKey("f:spec"));
    assertThat(harness.get("lean").getMetadata().getManagedFields()).isNotEmpty();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Deployment deployment = cached(Deployment.class, "lean").orElseThrow();
      assertThat(deployment.getMetadata().getManagedFields()).isNullOrEmpty();
      // the rest of the object is all there
      assertThat(deployment.getSpec().getTemplate().getSpec().getContainers()).isNotEmpty();
      assertThat(deployment.getMetadata().getLabels()).containsEntry("app.kubernetes.io/instance", "lean");
      assertThat(cached(Service.class, "lean").orElseThrow().getMetadata().getManagedFields()).isNullOrEmpty();
      AIService primary = controller().getEventSourceManager().getControllerEventSource().get(new ResourceID("lean", NS)).orElseThrow();
      assertThat(primary.getMetadata().getManagedFields()).isNullOrEmpty();
      assertThat(primary.getSpec().app).isEqualTo(App.COMFYUI);
    });
  }
}
