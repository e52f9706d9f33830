package de.dhoch3.aiservices.cli;

import de.dhoch3.aiservices.reconcile.CompactStrings;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What every start of the operator does anyway, begun on a second thread as the process starts, while
 * the main thread parses the command line, reads the configuration and waits for its first requests
 * (the idea of Spring Boot's BackgroundPreinitializer). Until the informers list, the main thread works
 * alone and a second CPU is idle; a class-load log of a shipped start put about half a second on that
 * path in steps that do not depend on it: logging's set-up (0.12 s), the client's JSON mapping of every
 * Kubernetes kind (fabric8 loads a class per kind), the TLS trust store, Jackson's readers of the
 * kinds the informers list, and the desired state of an app written as JSON, as the first reconcile does. Failing here changes nothing: the main thread then does the same itself.
 */
final class StartWarmUp {
  private static volatile CompletableFuture<KubernetesSerialization> serialization;

  private StartWarmUp() {}

  /** Starts the warm-up once; called first thing by {@link Main#main} for {@code run}. */
  static synchronized void begin() {
    if (serialization != null) {
      return;
    }
    CompletableFuture<KubernetesSerialization> made = new CompletableFuture<>();
    serialization = made;
    Thread thread = new Thread(() -> warm(made), "start-warm-up");
    thread.setDaemon(true);
    thread.start();
  }

  /** The client's serialization: the warmed one when {@link #begin()} ran (made first thing there), else a new one. */
  static KubernetesSerialization serialization() {
    CompletableFuture<KubernetesSerialization> made = serialization;
    if (made != null) {
      try {
        return made.join();
      } catch (RuntimeException failed) {
        // the warm-up failed to make it: make it here, as without a warm-up
      }
    }
    return CompactStrings.serialization();
  }

  private static void warm(CompletableFuture<KubernetesSerialization> made) {
    try {
      // in the order the main thread needs them: the client's serialization (the instance only), its first
      // log line, the client's TLS context, then the first answer read without a type (fabric8 builds its map
      // of every Kubernetes kind to its class)
      KubernetesSerialization json = CompactStrings.serialization();
      made.complete(json);
      org.slf4j.LoggerFactory.getLogger(StartWarmUp.class).isDebugEnabled();
      javax.net.ssl.SSLContext.getDefault();
      json.unmarshal("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"warm-up\"}}");
      // the kinds the informers list: Jackson builds a reader per class, with every class it refers to
      for (Class<?> kind : List.of(de.dhoch3.aiservices.api.AIService.class, io.fabric8.kubernetes.api.model.apps.Deployment.class,
          io.fabric8.kubernetes.api.model.Service.class, io.fabric8.kubernetes.api.model.ConfigMap.class,
          io.fabric8.kubernetes.api.model.networking.v1.Ingress.class, io.fabric8.kubernetes.api.model.Pod.class,
          de.dhoch3.aiservices.api.AIModel.class)) {
        json.unmarshal("{}", kind);
      }
      // the first reconcile: the desired state of an app, written as JSON (the builders' classes, Jackson's writers)
      de.dhoch3.aiservices.api.AIService sample = new de.dhoch3.aiservices.api.AIService();
      sample.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("warm-up").withNamespace("warm-up").withUid("warm-up").build());
      sample.setSpec(new de.dhoch3.aiservices.api.AIServiceSpec());
      sample.getSpec().app = de.dhoch3.aiservices.api.App.COMFYUI;
      for (io.fabric8.kubernetes.api.model.HasMetadata object
          : de.dhoch3.aiservices.workload.WorkloadBuilder.build(sample, de.dhoch3.aiservices.config.OperatorConfig.defaults()).objects()) {
        json.asJson(object);
      }
    } catch (Throwable failed) {
      made.completeExceptionally(failed);
    }
  }
}
