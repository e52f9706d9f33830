package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.MockResponse;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A cluster without DRA (Kubernetes before 1.34, or no resource.k8s.io/v1 served): the operator
 * starts, never asks for ResourceClaimTemplates, runs every other AIService, and stalls one that
 * asks for {@code gpu.mode: dra} with a message naming the field and the fix.
 */
class DraNotServedTest {
  @Test
  void withoutResourceK8sIoTheOperatorRunsAndADraAIServiceStallsWithTheFix() {
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); KubernetesClient user = cluster.newClient()) {
      cluster.ensureNamespace(NS);
      List<String> askedForDra = new CopyOnWriteArrayList<>();
      var groups = user.getApiGroups();
      groups.getGroups().removeIf(group -> group.getName().equals("resource.k8s.io"));
      String groupsWithoutDra = io.fabric8.kubernetes.client.utils.Serialization.asJson(groups);
      // the group is not served: not in discovery, every path under it 404, as on a 1.33 server
      cluster.server().inject(request -> {
        if (request.getPath().equals("/apis") || request.getPath().startsWith("/apis?")) {
          return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(groupsWithoutDra);
        }
        if (request.getPath().startsWith("/apis/resource.k8s.io")) {
          askedForDra.add(request.getMethod() + " " + request.getPath());
          return new MockResponse().setResponseCode(404).setHeader("Content-Type", "application/json")
              .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}");
        }
        return null;
      });
      // a client as in production, which asks discovery (the mock's own clients take every group as served)
      KubernetesClient operatorClient = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
          .withConfig(cluster.client().getConfiguration()).build();
      Operator operator = AIServiceOperator.create(operatorClient, OperatorConfig.defaults(), java.time.Clock.systemUTC(), null,
          OperatorHarness.STAY_IN_THE_JVM, null, RetryPolicy.DEFAULT);
      operator.start();
      try {
        user.resource(aiservice("plain", App.COMFYUI)).create();
        AIService dra = aiservice("wants-dra", App.COMFYUI);
        dra.getSpec().gpu = new GpuSpec();
        dra.getSpec().gpu.mode = GpuSpec.Mode.DRA;
        user.resource(dra).create();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          assertThat(user.apps().deployments().inNamespace(NS).withName("plain").get()).isNotNull();
          AIService stalled = user.resources(AIService.class).inNamespace(NS).withName("wants-dra").get();
          assertThat(OperatorHarness.condition(stalled, StatusCalculator.STALLED)).hasValueSatisfying(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getMessage()).startsWith("spec.gpu.mode: dra needs a cluster serving resource.k8s.io/v1")
                .contains("use gpu.mode exclusive or shared");
          });
        });
        // nothing of the stalled one was made, no pod waits for a claim that cannot exist
        assertThat(user.apps().deployments().inNamespace(NS).withName("wants-dra").get()).isNull();
        // asked whether the group is served; never listed or watched
        assertThat(askedForDra).contains("GET /apis/resource.k8s.io/v1").noneMatch(path -> path.contains("resourceclaimtemplates"));
      } finally {
        operator.stop();
        operatorClient.close();
      }
    }
  }
}
