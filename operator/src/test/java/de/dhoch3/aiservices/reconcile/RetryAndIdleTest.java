package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ContainerSpec;
import de.dhoch3.aiservices.api.ExposeSpec;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.mockwebserver.http.MockResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A separate operator with a short resync and quick retries: outages and idle periods in seconds, not minutes. */
class RetryAndIdleTest {
  @Test
  void writesFailingLongerThanJosdksFiveDefaultAttemptsAreRetriedUntilTheyLand() {
    RetryPolicy quick = new RetryPolicy(Duration.ofMillis(200), 1.5, Duration.ofSeconds(1));
    try (OperatorHarness own = new OperatorHarness(OperatorConfig.defaults(), quick, null)) {
      own.create(aiservice("outage", App.COMFYUI));
      own.awaitStatus("outage", a -> a.getStatus().observedGeneration == 1L);
      // every Deployment write is refused by a failing admission webhook (fabric8's client itself retries 5xx
      // answers before the reconciler sees them; a webhook's denial reaches the reconciler at once)
      own.cluster.server().inject(request -> !request.getMethod().equals("GET") && request.getPath().contains("/deployments")
          ? new MockResponse().setResponseCode(400).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"BadRequest\","
              + "\"message\":\"admission webhook policy.studio.example.com denied the request: policy server unavailable\",\"code\":400}")
          : null);
      AIService ai = own.get("outage");
      ai.getSpec().env = List.of(new EnvVar("AFTER_OUTAGE", "1", null));
      own.client.resource(ai).update();

      // well beyond the 5 attempts JOSDK makes by default
      AIService failing = own.awaitStatus("outage", a -> condition(a, StatusCalculator.READY)
          .map(c -> StatusCalculator.REASON_APPLY_FAILED.equals(c.getReason()) && attempt(c.getMessage()) >= 8).orElse(false));
      assertThat(condition(failing, StatusCalculator.READY).orElseThrow().getMessage())
          .contains("policy server unavailable").contains("next in about").contains("retries never stop");
      assertThat(condition(failing, StatusCalculator.RECONCILING).orElseThrow().getStatus()).isEqualTo("True");

      own.cluster.server().inject(null);
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(appContainer(own.deployment("outage")).getEnv()).extracting(EnvVar::getName).contains("AFTER_OUTAGE"));
      own.awaitStatus("outage", a -> condition(a, StatusCalculator.READY).map(c -> !StatusCalculator.REASON_APPLY_FAILED.equals(c.getReason())).orElse(false));
    }
  }

  @Test
  void anIdleOperatorWritesNothingAcrossResyncsWithTheServersDefaultsFilledIn() {
    OperatorConfig nodePorts = OperatorConfig.defaults();
    nodePorts.policy.serviceTypes = List.of("ClusterIP", "NodePort");
    try (OperatorHarness own = new OperatorHarness(nodePorts, RetryPolicy.DEFAULT,
        controller -> controller.withReconciliationMaxInterval(Duration.ofMillis(500)))) {
      for (App app : List.of(App.COMFYUI, App.FORGE, App.FOOOCUS, App.INVOKEAI, App.FLUXGYM, App.AI_TOOLKIT)) {
        AIService ai = aiservice("idle-" + app.value(), app);
        ai.getSpec().expose = new ExposeSpec();
        ai.getSpec().expose.service = new ExposeSpec.ServiceExpose();
        ai.getSpec().expose.service.type = ExposeSpec.ServiceExpose.Type.NODE_PORT;
        own.create(ai);
      }
      for (App app : List.of(App.COMFYUI, App.FORGE, App.FOOOCUS, App.INVOKEAI, App.FLUXGYM, App.AI_TOOLKIT)) {
        own.awaitStatus("idle-" + app.value(), a -> a.getStatus().observedGeneration == 1L);
      }
      // let the first writes and their echoes settle, then count
      await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
      long before = own.cluster.server().writes();
      await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
      assertThat(own.cluster.server().writes() - before).as("writes during six resyncs of six idle AIServices").isZero();
      // the server did fill in its defaults and allocations, which the operator must not see as drift
      var service = own.client.services().inNamespace(NS).withName("idle-comfyui").get();
      assertThat(service).as("Service of idle-comfyui; its status: %s", io.fabric8.kubernetes.client.utils.Serialization.asJson(own.get("idle-comfyui").getStatus())).isNotNull();
      assertThat(service.getSpec().getClusterIP()).isNotBlank();
      assertThat(service.getSpec().getPorts().get(0).getNodePort()).isBetween(30000, 32767);
      assertThat(own.deployment("idle-comfyui").getSpec().getTemplate().getSpec().getDnsPolicy()).isEqualTo("ClusterFirst");
    }
  }

  private static int attempt(String message) {
    var matcher = java.util.regex.Pattern.compile("attempt (\\d+)").matcher(message);
    return matcher.find() ? Integer.parseInt(matcher.group(1)) : 0;
  }

  private static io.fabric8.kubernetes.api.model.Container appContainer(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }
}
