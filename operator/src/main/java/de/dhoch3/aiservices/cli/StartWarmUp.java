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
  private static volatile CompletableFuture<Void> logging;

  private StartWarmUp() {}

  /** Starts the warm-up once; called first thing by {@link Main#main} for {@code run}. */
  static synchronized void begin() {
    if (serialization != null) {
      return;
    }
    CompletableFuture<KubernetesSerialization> made = new CompletableFuture<>();
    CompletableFuture<Void> logged = new CompletableFuture<>();
    serialization = made;
    logging = logged;
    Thread thread = new Thread(() -> warm(logged, made), "start-warm-up");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Waits until logging is set up, if the warm-up does that. While SLF4J initialises on one thread it
   * hands other threads stand-in loggers and drops what they log (then prints a warning naming them:
   * with logging set up second here, every start without the archive printed one for fabric8's Config),
   * so the main thread waits before it does anything that logs. The command line is parsed by then,
   * which takes about as long.
   */
  static void awaitLogging() {
    CompletableFuture<Void> logged = logging;
    if (logged != null) {
      try {
        logged.join();
      } catch (RuntimeException failed) {
        // the main thread sets logging up itself
      }
    }
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

  private static void warm(CompletableFuture<Void> logged, CompletableFuture<KubernetesSerialization> made) {
    try {
      // in the order the main thread needs them: logging (before anything else here can log), the client's
      // serialization (the instance only), the client's TLS context, then the first answer read without a
      // type (fabric8 builds its map of every Kubernetes kind to its class)
      org.slf4j.LoggerFactory.getILoggerFactory();
      logged.complete(null);
      KubernetesSerialization json = CompactStrings.serialization();
      made.complete(json);
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
      logged.completeExceptionally(failed);
      made.completeExceptionally(failed);
    }
  }
}
