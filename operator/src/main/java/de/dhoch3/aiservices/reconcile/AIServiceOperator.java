package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.reconcile.dependents.DraSupport;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import de.dhoch3.aiservices.api.AIService;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Clock;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds the operator exactly as production runs it; tests, the embedded run and the benchmark
 * all come through here, so they exercise the same configuration.
 */
public final class AIServiceOperator {
  private AIServiceOperator() {}

  /**
   * Dependents and status are written with plain create/update (PUT with resourceVersion), not
   * server-side apply: it works on every API server, including the in-process one of the
   * embedded run and the tests, and the reconciler writes only what differs.
   */
  public static Operator create(KubernetesClient client, OperatorConfig config, Clock clock, Metrics metrics,
      Consumer<ConfigurationServiceOverrider> extra) {
    return create(client, config, clock, metrics, extra, null);
  }

  /** As above; {@code controllerExtra} adjusts the controller (e.g. the benchmark's resync interval). */
  public static Operator create(KubernetesClient client, OperatorConfig config, Clock clock, Metrics metrics,
      Consumer<ConfigurationServiceOverrider> extra, Consumer<ControllerConfigurationOverrider<AIService>> controllerExtra) {
    return create(client, config, clock, metrics, extra, controllerExtra, RetryPolicy.DEFAULT);
  }

  /** As above with the retry policy (tests shorten it). */
  public static Operator create(KubernetesClient client, OperatorConfig config, Clock clock, Metrics metrics,
      Consumer<ConfigurationServiceOverrider> extra, Consumer<ControllerConfigurationOverrider<AIService>> controllerExtra,
      RetryPolicy retry) {
    Operator operator = new Operator(overrider -> {
      overrider.withKubernetesClient(client)
          .withSSABasedCreateUpdateMatchForDependentResources(false)
          .withUseSSAToPatchPrimaryResource(false)
          .withCloseClientOnStop(false)
          .withStopOnInformerErrorDuringStartup(true)
          .withConcurrentReconciliationThreads(config.reconcileThreads)
          .withResourceCloner(PRIMARY_COPIES);
      if (metrics != null) {
        overrider.withMetrics(metrics);
      }
      if (extra != null) {
        extra.accept(overrider);
      }
    });
    boolean draServed = DraSupport.served(client);
    operator.register(new AIServiceReconciler(config, client, clock, retry, draServed), controller -> {
      controller.withRetry(retry.toJosdk());
      controller.withItemStore(new de.dhoch3.aiservices.reconcile.dependents.WithoutManagedFields<>());
      if (!config.watchNamespaces.isEmpty()) {
        controller.settingNamespaces(Set.copyOf(config.watchNamespaces));
      }
      if (controllerExtra != null) {
        controllerExtra.accept(controller);
      }
    });
    // the same process keeps the store's AIModels: the only writer of the store, through its Jobs
    operator.register(new de.dhoch3.aiservices.models.AIModelReconciler(config, client, clock), controller -> {
      controller.withRetry(retry.toJosdk());
      if (!config.watchNamespaces.isEmpty()) {
        controller.settingNamespaces(Set.copyOf(config.watchNamespaces));
      }
    });
    return operator;
  }

  /**
   * How JOSDK copies the primary it hands each reconcile (5.2.3 ReconciliationDispatcher#cloneResource). Its
   * default goes through the client's serialization as text (fabric8 7.5.2 KubernetesSerialization#clone:
   * written to a String and read back), and the client's reading interns every string and fits every list
   * (CompactStrings): work for a copy that lives one reconcile. This one copies through Jackson's token
   * buffer (convertValue) with fabric8's plain mapping: the same deep, independent copy.
   */
  static final io.javaoperatorsdk.operator.api.config.Cloner PRIMARY_COPIES = new io.javaoperatorsdk.operator.api.config.Cloner() {
    private final io.fabric8.kubernetes.client.utils.KubernetesSerialization plain = new io.fabric8.kubernetes.client.utils.KubernetesSerialization();

    @Override
    @SuppressWarnings("unchecked")
    public <R extends io.fabric8.kubernetes.api.model.HasMetadata> R clone(R object) {
      return object == null ? null : (R) plain.convertValue(object, object.getClass());
    }
  };

  public static Operator create(KubernetesClient client, OperatorConfig config) {
    return create(client, config, Clock.systemUTC(), null, null);
  }
}
