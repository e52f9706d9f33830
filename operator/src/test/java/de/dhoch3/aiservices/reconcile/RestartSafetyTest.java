package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ExposeSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import de.dhoch3.aiservices.workload.Labels;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeAll;
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
 * later write of that process is lost), then started again: the same objects, once each. "The
 * same" is judged without the operator's own comparison: each object, stripped of what the API
 * server assigns, must equal what an operator that was never stopped made for the same
 * AIService (a reference run on its own in-process server), and name its AIService as its only
 * controller.
 */
class RestartSafetyTest {
  private static final String WHO = "X-Operator-Process";
  private static Map<String, JsonNode> reference;

  private static AIService theAIService() {
    AIService ai = aiservice("restarted", App.COMFYUI);
    ai.getSpec().expose = new ExposeSpec();
    ai.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
    ai.getSpec().expose.ingress.host = "restarted.studio.example.com";
    return ai;
  }

  /** The operator's objects in the namespace, by kind, as JSON without what the server (or a first create) assigns. */
  private static Map<String, List<JsonNode>> ownedObjects(KubernetesClient user, String aiUid) {
    List<HasMetadata> owned = new ArrayList<>();
    owned.addAll(user.apps().deployments().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
    owned.addAll(user.services().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
    owned.addAll(user.configMaps().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
    owned.addAll(user.network().v1().ingresses().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
    Map<String, List<JsonNode>> byKind = new java.util.TreeMap<>();
    for (HasMetadata object : owned) {
      ObjectNode json = Serialization.jsonMapper().valueToTree(object);
      json.remove("status");
      ObjectNode metadata = (ObjectNode) json.get("metadata");
      for (String assigned : List.of("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")) {
        metadata.remove(assigned);
      }
      // JOSDK's own bookkeeping of its last write (a random id per process), not part of the object's meaning
      if (metadata.path("annotations") instanceof ObjectNode annotations) {
        annotations.remove("javaoperatorsdk.io/previous");
      }
      // the controller reference names this run's AIService: its uid is checked, then written the same in every run
      for (JsonNode owner : metadata.path("ownerReferences")) {
        assertThat(owner.path("uid").asText()).as(object.getKind() + " owner").isEqualTo(aiUid);
        ((ObjectNode) owner).put("uid", "the-aiservice");
      }
      if (object.getKind().equals("Service")) {
        // allocated by the server, differently in each run
        ((ObjectNode) json.get("spec")).remove(List.of("clusterIP", "clusterIPs"));
      }
      byKind.computeIfAbsent(object.getKind(), k -> new ArrayList<>()).add(json);
    }
    return byKind;
  }

  @BeforeAll
  static void referenceRun() throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); KubernetesClient user = cluster.newClient()) {
      cluster.ensureNamespace(NS);
      Operator never = operator(cluster, "never-stopped");
      try {
        String uid = user.resource(theAIService()).create().getMetadata().getUid();
        await().atMost(Duration.ofSeconds(30)).until(() -> ownedObjects(user, uid).size() == 4);
        Thread.sleep(500);
        reference = new java.util.TreeMap<>();
        ownedObjects(user, uid).forEach((kind, objects) -> reference.put(kind, objects.get(0)));
      } finally {
        never.stop();
      }
    }
    assertThat(reference).containsOnlyKeys("ConfigMap", "Deployment", "Ingress", "Service");
    // the reference itself is a reviewed golden file: the whole objects as the server stores them
    java.nio.file.Path golden = java.nio.file.Path.of("src/test/resources/golden/restart-reference.json");
    String rendered = Serialization.jsonMapper().writerWithDefaultPrettyPrinter().writeValueAsString(reference) + "\n";
    if (Boolean.getBoolean("golden.update")) {
      java.nio.file.Files.writeString(golden, rendered);
      throw new AssertionError("golden file written: review the diff of " + golden + ", then run again without -Dgolden.update");
    }
    assertThat(rendered).isEqualTo(java.nio.file.Files.readString(golden));
    assertThat(reference.get("Deployment").at("/metadata/ownerReferences")).hasSize(1);
    assertThat(reference.get("Deployment").at("/metadata/ownerReferences/0/controller").asBoolean()).isTrue();
    assertThat(reference.get("Ingress").at("/spec/rules/0/host").asText()).isEqualTo("restarted.studio.example.com");
  }

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
      String uid = user.resource(theAIService()).create().getMetadata().getUid();
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
          Map<String, List<JsonNode>> owned = ownedObjects(user, uid);
          assertThat(owned).as("after %d writes of the first process", reached).containsOnlyKeys(reference.keySet());
          owned.forEach((kind, objects) -> {
            assertThat(objects).as("%s, once, after %d writes of the first process", kind, reached).hasSize(1);
            assertThat(objects.get(0)).as("%s after %d writes of the first process", kind, reached).isEqualTo(reference.get(kind));
          });
          AIService status = user.resources(AIService.class).inNamespace(NS).withName("restarted").get();
          assertThat(status.getStatus()).isNotNull();
          assertThat(status.getStatus().observedGeneration).isEqualTo(1L);
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
