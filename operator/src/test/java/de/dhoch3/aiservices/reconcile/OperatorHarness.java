package de.dhoch3.aiservices.reconcile;

import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/** The real operator (as production builds it) against the in-process API server, for scenario tests. */
public final class OperatorHarness implements AutoCloseable {
  /**
   * Many operators start and stop in one test JVM: an informer that dies while its operator is
   * stopped (a watch reconnecting on a client being closed) must not end the whole test run the
   * way JOSDK's default handler ends a production process (ConfigurationService's
   * getInformerStoppedHandler calls System.exit). Tests waiting on that operator then fail on their own.
   */
  public static final java.util.function.Consumer<io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider> STAY_IN_THE_JVM =
      overrider -> overrider.withInformerStoppedHandler((informer, error) -> {
        if (error != null) {
          org.slf4j.LoggerFactory.getLogger(OperatorHarness.class).warn("an informer stopped with an error (the JVM stays): {}", error.toString());
        }
      });
  public static final String NS = "studio";
  final EmbeddedCluster cluster;
  public final KubernetesClient client;
  Operator operator;
  private final OperatorConfig config;
  private final RetryPolicy retry;
  private final java.util.function.Consumer<io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<AIService>> controller;

  public OperatorHarness(OperatorConfig config) {
    this(config, RetryPolicy.DEFAULT, null);
  }

  /** With a retry policy and controller adjustments (e.g. a short resync) of the test's own. */
  OperatorHarness(OperatorConfig config, RetryPolicy retry,
      java.util.function.Consumer<io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<AIService>> controller) {
    cluster = EmbeddedCluster.start();
    cluster.ensureNamespace(NS);
    client = cluster.newClient();
    this.config = config;
    this.retry = retry;
    this.controller = controller;
    operator = AIServiceOperator.create(cluster.client(), config, java.time.Clock.systemUTC(), null, STAY_IN_THE_JVM, controller, retry);
    operator.start();
  }

  /** The operator stops; the API server and what it holds stay (a test then writes statuses as the operator would). */
  public void stopOperator() {
    operator.stop();
  }

  /** A new operator process on the same API server (the old one stopped first, if running). */
  void restartOperator() {
    operator.stop();
    operator = AIServiceOperator.create(cluster.newClient(), config, java.time.Clock.systemUTC(), null, STAY_IN_THE_JVM, controller, retry);
    operator.start();
  }

  static AIService aiservice(String name, App app) {
    AIService ai = new AIService();
    ai.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    ai.setSpec(new AIServiceSpec());
    ai.getSpec().app = app;
    if (de.dhoch3.aiservices.apps.Catalog.profile(app).defaults().image() == null) {
      ai.getSpec().image = "registry.example.com/studio/" + app.value() + ":1";
    }
    // every copy of an app needs its own data folder; tests run many side by side
    ai.getSpec().storage = new de.dhoch3.aiservices.api.StorageSpec();
    ai.getSpec().storage.serviceDir = name;
    return ai;
  }

  AIService create(AIService ai) {
    return client.resource(ai).create();
  }

  public AIService get(String name) {
    return client.resources(AIService.class).inNamespace(NS).withName(name).get();
  }

  Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(NS).withName(name).get();
  }

  AIService awaitStatus(String name, Predicate<AIService> until) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> Optional.ofNullable(get(name)).filter(ai -> ai.getStatus() != null).filter(until).isPresent());
    return get(name);
  }

  public static Optional<Condition> condition(AIService ai, String type) {
    return StatusCalculator.find(ai.getStatus(), type);
  }

  static Predicate<AIService> conditionIs(String type, String status) {
    return ai -> condition(ai, type).map(c -> status.equals(c.getStatus())).orElse(false);
  }

  @Override
  public void close() {
    operator.stop();
    client.close();
    cluster.close();
  }
}
