package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.GpuSpec;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.mockwebserver.http.MockResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * dra mode against a server that keeps Kubernetes' rule that a ResourceClaimTemplate's spec never
 * changes, and whose template writes can fail.
 */
class DraClaimTemplateTest extends OperatorScenario {
  private static ResourceClaimTemplate template(String name) {
    return harness.client.resources(ResourceClaimTemplate.class).inNamespace(NS).withName(name + "-gpu").get();
  }

  private static String claimAnnotation(String name) {
    var deployment = harness.deployment(name);
    return deployment == null ? null : deployment.getSpec().getTemplate().getMetadata().getAnnotations().get("ai.dhoch3.de/gpu-claim");
  }

  private static AIService draApp(String name, Integer count) {
    AIService ai = aiservice(name, App.COMFYUI);
    ai.getSpec().gpu = new GpuSpec();
    ai.getSpec().gpu.mode = GpuSpec.Mode.DRA;
    ai.getSpec().gpu.count = count;
    return ai;
  }

  @Test
  void theServerRefusesAChangedTemplateSpecAsARealOneDoes() {
    harness.create(draApp("immutable", null));
    await().atMost(Duration.ofSeconds(30)).until(() -> template("immutable") != null);
    ResourceClaimTemplate edited = template("immutable");
    edited.getSpec().getSpec().getDevices().getRequests().get(0).getExactly().setCount(4L);
    assertThatThrownBy(() -> harness.client.resource(edited).update())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("field is immutable");
  }

  @Test
  void aNewDeviceCountReplacesTheTemplateAndRollsThePod() {
    harness.create(draApp("two-gpus", null));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(template("two-gpus")).isNotNull();
      assertThat(claimAnnotation("two-gpus")).isEqualTo("gpu.nvidia.com x1");
    });
    String firstUid = template("two-gpus").getMetadata().getUid();

    AIService changed = harness.get("two-gpus");
    changed.getSpec().gpu.count = 2;
    harness.client.resource(changed).update();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      ResourceClaimTemplate now = template("two-gpus");
      assertThat(now).isNotNull();
      assertThat(now.getMetadata().getUid()).isNotEqualTo(firstUid);
      assertThat(now.getSpec().getSpec().getDevices().getRequests().get(0).getExactly().getCount()).isEqualTo(2L);
      assertThat(now.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> assertThat(ref.getName()).isEqualTo("two-gpus"));
      // the running pod's claim was made from the old template and is never updated: the pod template changes, so it is replaced
      assertThat(claimAnnotation("two-gpus")).isEqualTo("gpu.nvidia.com x2");
      AIService status = harness.get("two-gpus");
      assertThat(status.getStatus().observedGeneration).isEqualTo(status.getMetadata().getGeneration());
      assertThat(OperatorHarness.condition(status, StatusCalculator.READY))
          .hasValueSatisfying(c -> assertThat(c.getReason()).isNotEqualTo(StatusCalculator.REASON_APPLY_FAILED));
    });
  }

  @Test
  void aFailingTemplateWriteDoesNotHoldBackTheRestAndIsReported() {
    harness.cluster.server().inject(request -> request.getMethod().equals("POST") && request.getPath().contains("/resourceclaimtemplates")
        ? new MockResponse().setResponseCode(500).setHeader("Content-Type", "application/json")
            .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"etcdserver: request timed out\",\"code\":500}")
        : null);
    try {
      harness.create(draApp("claim-fails", null));
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        // the Service and Deployment are written all the same
        assertThat(harness.client.services().inNamespace(NS).withName("claim-fails").get()).isNotNull();
        assertThat(harness.deployment("claim-fails")).isNotNull();
        assertThat(OperatorHarness.condition(harness.get("claim-fails"), StatusCalculator.READY))
            .hasValueSatisfying(c -> assertThat(c.getMessage()).contains("etcdserver: request timed out"));
      });
    } finally {
      harness.cluster.server().inject(null);
    }
    // once the server takes it again, the retry creates the template
    await().atMost(Duration.ofSeconds(60)).until(() -> template("claim-fails") != null);
  }
}
