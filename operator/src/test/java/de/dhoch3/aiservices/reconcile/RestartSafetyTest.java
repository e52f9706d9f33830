package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ExposeSpec;
import de.dhoch3.aiservices.chaos.Convergence;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.MockResponse;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operator stopped right after the k-th write of a reconcile (the process killed: every
 * later write of that process is lost), then started again: the same objects, once each.
 */
class RestartSafetyTest {
  private static final String WHO = "X-Operator-Process";

  @ParameterizedTest(name = "stopped after write {0}")
  // a first reconcile of this AIService writes ConfigMap, Deployment, Service, Ingress, status and an Event
  @ValueSource(ints = {1, 2, 3, 4, 5, 6})
  void anOperatorStoppedBetweenTwoWritesConvergesOnRestartWithoutDuplicates(int k) throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); KubernetesClient user = cluster.newClient()) {
      cluster.ensureNamespace(NS);
      AtomicInteger writes = new AtomicInteger();
      List<Operator> first = new ArrayList<>();
      cluster.server().inject(request -> {
        if (!"first".equals(request.getHeader(WHO)) || request.getMethod().equals("GET") || !request.getPath().contains("/namespaces/" + NS + "/")) {
          return null;
        }
        if (writes.incrementAndGet() <= k) {
          return null;
        }
        if (writes.get() == k + 1) {
          // killed: this write and every later one of the process never reach the server
          new Thread(() -> first.forEach(Operator::stop)).start();
        }
        return new MockResponse().setResponseCode(503).setBody("{}");
      });
      first.add(operator(cluster, "first"));
      AIService ai = aiservice("restarted", App.COMFYUI);
      ai.getSpec().expose = new ExposeSpec();
      ai.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
      ai.getSpec().expose.ingress.host = "restarted.studio.example.com";
      user.resource(ai).create();
      // the process dies at its (k+1)-th write, or after its last one if the reconcile makes no more
      try {
        await().atMost(Duration.ofSeconds(8)).until(() -> writes.get() > k);
      } catch (org.awaitility.core.ConditionTimeoutException noMoreWrites) {
        first.forEach(Operator::stop);
      }
      Thread.sleep(500);
      int reached = Math.min(writes.get(), k);

      Operator second = operator(cluster, "second");
      try {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
          List<HasMetadata> owned = new ArrayList<>();
          owned.addAll(user.apps().deployments().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
          owned.addAll(user.services().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
          owned.addAll(user.configMaps().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
          owned.addAll(user.network().v1().ingresses().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
          Convergence.Outcome outcome = Convergence.check(user.resources(AIService.class).inNamespace(NS).list().getItems(), owned,
              Map.of(), Map.of(), Map.of(), OperatorConfig.defaults());
          assertThat(outcome.problems()).as("after %d writes of the first process", reached).isEmpty();
          assertThat(outcome.line()).isEqualTo("converged 1/1, duplicates 0, foreign objects touched 0, stale objects 0");
          assertThat(owned).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("Deployment", "Service", "ConfigMap", "Ingress");
        });
      } finally {
        second.stop();
      }
    }
  }

  private static Operator operator(EmbeddedCluster cluster, String process) {
    KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(LeaderElection.clientConfig(cluster.client().getConfiguration()))
        .withCustomHeaders(Map.of(WHO, process)).build()).build();
    Operator operator = AIServiceOperator.create(client, OperatorConfig.defaults(), Clock.systemUTC(), null, OperatorHarness.STAY_IN_THE_JVM, null,
        new RetryPolicy(Duration.ofMillis(200), 2.0, Duration.ofSeconds(2)));
    operator.start();
    return operator;
  }
}
