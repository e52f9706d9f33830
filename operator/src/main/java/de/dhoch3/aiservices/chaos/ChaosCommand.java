package de.dhoch3.aiservices.chaos;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import de.dhoch3.aiservices.embedded.Faults;
import de.dhoch3.aiservices.embedded.SimulatedDeploymentController;
import de.dhoch3.aiservices.reconcile.AIServiceOperator;
import de.dhoch3.aiservices.reconcile.RetryPolicy;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * N AIServices of every app created, a third changed and a tenth deleted while the in-process API
 * server answers a share of the requests with faults and the operator is stopped and started at
 * random moments; then the faults stop and the run waits for convergence. The last line says
 * whether everything converged; the exit code is 0 only then.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = "Run the operator against faults and restarts on the in-process API server, then check convergence.")
public final class ChaosCommand implements Callable<Integer> {
  static final String NS = "chaos";

  @Option(names = "-n", defaultValue = "200", description = "AIServices to create (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--fail-rate", defaultValue = "0.2", description = "Share of requests answered with a fault (default: ${DEFAULT-VALUE}).")
  double failRate;

  @Option(names = "--restarts", defaultValue = "3", description = "Operator stops and starts at random moments (default: ${DEFAULT-VALUE}).")
  int restarts;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--timeout", defaultValue = "PT5M", description = "How long to wait for convergence after the faults stop (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** Set when the running operator stopped itself (an informer that could not recover). */
  static final java.util.concurrent.atomic.AtomicBoolean STOPPED = new java.util.concurrent.atomic.AtomicBoolean();

  /** Quick retries: the run waits for convergence, not for the production cap of minutes. */
  static final RetryPolicy RETRY = new RetryPolicy(Duration.ofMillis(200), 2.0, Duration.ofSeconds(5));

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    OperatorConfig config = OperatorConfig.defaults();
    Random random = new Random(seed);
    Faults faults = new Faults(failRate, seed, Duration.ofSeconds(3));
    try (EmbeddedCluster cluster = EmbeddedCluster.start();
        KubernetesClient user = exempt(cluster);
        SimulatedDeploymentController simulation = new SimulatedDeploymentController(exempt(cluster)).start()) {
      cluster.ensureNamespace(NS);
      Map<String, String> foreignBefore = foreignObjects(user);
      AtomicReference<Operator> operator = new AtomicReference<>(start(cluster, config));
      cluster.server().inject(faults);
      Instant begin = Instant.now();

      List<String> names = new ArrayList<>();
      Map<String, String> deleted = new LinkedHashMap<>();
      List<Integer> restartAt = new ArrayList<>();
      for (int i = 0; i < restarts; i++) {
        restartAt.add(random.nextInt(Math.max(1, count + count / 3 + count / 10)));
      }
      Collections.sort(restartAt);
      int step = 0;
      int restartsDone = 0;
      List<App> apps = Catalog.all().stream().map(p -> p.defaults().app()).toList();
      for (int i = 0; i < count; i++, step++) {
        String name = "app-" + i;
        names.add(name);
        AIService created = aiservice(name, apps.get(i % apps.size()));
        writeUntilDone(() -> user.resource(created).create());
        restartsDone += restartIfDue(restartAt, step, operator, cluster, config);
      }
      for (int i = 0; i < count; i += 3, step++) {
        String name = names.get(i);
        writeUntilDone(() -> user.resources(AIService.class).inNamespace(NS).withName(name).edit(ai -> {
          ai.getSpec().env = List.of(new EnvVar("CHANGED", "1", null));
          return ai;
        }));
        restartsDone += restartIfDue(restartAt, step, operator, cluster, config);
      }
      for (int i = 1; i < count; i += 10, step++) {
        String name = names.get(i);
        AIService gone = user.resources(AIService.class).inNamespace(NS).withName(name).get();
        deleted.put(NS + "/" + name, gone.getMetadata().getUid());
        writeUntilDone(() -> user.resources(AIService.class).inNamespace(NS).withName(name).delete());
        restartsDone += restartIfDue(restartAt, step, operator, cluster, config);
      }
      while (restartsDone < restarts) {
        restartsDone += restart(operator, cluster, config);
      }
      Instant faultsOff = Instant.now();
      faults.off();

      Convergence.Outcome outcome = null;
      Instant deadline = Instant.now().plus(timeout);
      while (Instant.now().isBefore(deadline)) {
        if (STOPPED.getAndSet(false)) {
          operator.get().stop();
          operator.set(start(cluster, config));
        }
        outcome = check(user, deleted, foreignBefore, config);
        if (outcome.clean()) {
          break;
        }
        Thread.sleep(500);
      }
      Instant converged = Instant.now();
      operator.get().stop();

      report(out, cluster, faults, restartsDone, Duration.between(begin, faultsOff), Duration.between(faultsOff, converged), outcome);
      out.println(outcome.line());
      out.flush();
      return outcome.clean() ? 0 : 1;
    }
  }

  /**
   * Starts an operator as its pod would: one that cannot sync its informers at start stops, and
   * (as Kubernetes restarts the pod) a new one starts a moment later.
   */
  private static Operator start(EmbeddedCluster cluster, OperatorConfig config) {
    for (int attempt = 1; ; attempt++) {
      // a short request timeout, so the server's slow answers are timeouts
      KubernetesClient client = new KubernetesClientBuilder()
          .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(cluster.client().getConfiguration())
              .withRequestTimeout(2000).build()).build();
      // an informer that cannot recover stops the operator; in a pod the process exits and kubelet starts
      // it again: here the run notices (STOPPED) and starts a new one
      // a watch cut off at start (410) is retried by the informer in the background, as after start: with a
      // fifth of all requests failing, a dozen informers would otherwise rarely all start in the same attempt
      Operator operator = AIServiceOperator.create(client, config, Clock.systemUTC(), null,
          overrider -> overrider.withInformerStoppedHandler((informer, error) -> STOPPED.set(true))
              .withStopOnInformerErrorDuringStartup(false), null, RETRY);
      try {
        STOPPED.set(false);
        operator.start();
        return operator;
      } catch (RuntimeException startFailed) {
        operator.stop();
        client.close();
        if (attempt >= 30) {
          throw startFailed;
        }
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw startFailed;
        }
      }
    }
  }

  private static int restartIfDue(List<Integer> restartAt, int step, AtomicReference<Operator> operator, EmbeddedCluster cluster,
      OperatorConfig config) {
    if (STOPPED.getAndSet(false)) {
      operator.get().stop();
      operator.set(start(cluster, config));
    }
    int done = 0;
    while (!restartAt.isEmpty() && restartAt.get(0) == step) {
      restartAt.remove(0);
      done += restart(operator, cluster, config);
    }
    return done;
  }

  private static int restart(AtomicReference<Operator> operator, EmbeddedCluster cluster, OperatorConfig config) {
    operator.get().stop();
    operator.set(start(cluster, config));
    return 1;
  }

  /** A client whose requests the faults leave alone: the user's and the simulated controller's. */
  private static KubernetesClient exempt(EmbeddedCluster cluster) {
    return new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(cluster.client().getConfiguration())
        .withCustomHeaders(Map.of(Faults.EXEMPT_HEADER, "true")).build()).build();
  }

  private static void writeUntilDone(Runnable write) throws InterruptedException {
    for (int attempt = 0; ; attempt++) {
      try {
        write.run();
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (attempt > 20) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  private static AIService aiservice(String name, App app) {
    AIService ai = new AIService();
    ai.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    ai.setSpec(new AIServiceSpec());
    ai.getSpec().app = app;
    ai.getSpec().storage = new StorageSpec();
    ai.getSpec().storage.serviceDir = name;
    if (Catalog.profile(app).defaults().image() == null) {
      ai.getSpec().image = "registry.example.com/studio/" + app.value() + ":1";
    }
    if (app == App.CUSTOM) {
      ai.getSpec().container = new de.dhoch3.aiservices.api.ContainerSpec();
      ai.getSpec().container.port = 8080;
    }
    return ai;
  }

  /** Objects the operator did not create, beside its own: none of them may be written. */
  private static Map<String, String> foreignObjects(KubernetesClient user) {
    for (int i = 0; i < 3; i++) {
      user.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("someone-elses-" + i).endMetadata()
          .addToData("key", "value").build()).create();
    }
    user.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata().withName("someone-elses-app").endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "other").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "other").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("nginx:1.27").endContainer().endSpec().endTemplate().endSpec().build()).create();
    return foreignVersions(user);
  }

  private static Map<String, String> foreignVersions(KubernetesClient user) {
    Map<String, String> versions = new TreeMap<>();
    List<HasMetadata> all = new ArrayList<>(user.configMaps().inNamespace(NS).list().getItems());
    all.addAll(user.apps().deployments().inNamespace(NS).list().getItems());
    for (HasMetadata object : all) {
      if (object.getMetadata().getLabels() == null || !object.getMetadata().getLabels().containsKey(Labels.MANAGED_BY)) {
        versions.put(object.getKind() + "/" + object.getMetadata().getName(), object.getMetadata().getResourceVersion());
      }
    }
    return versions;
  }

  private static Convergence.Outcome check(KubernetesClient user, Map<String, String> deleted, Map<String, String> foreignBefore,
      OperatorConfig config) {
    List<HasMetadata> owned = new ArrayList<>();
    owned.addAll(user.apps().deployments().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
    owned.addAll(user.services().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
    owned.addAll(user.configMaps().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
    owned.addAll(user.network().v1().ingresses().inNamespace(NS).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).list().getItems());
    List<AIService> aiservices = user.resources(AIService.class).inNamespace(NS).list().getItems();
    return Convergence.check(aiservices, owned, deleted, foreignBefore, foreignVersions(user), config);
  }

  private static void report(PrintWriter out, EmbeddedCluster cluster, Faults faults, int restarts, Duration underFaults, Duration toConverge,
      Convergence.Outcome outcome) {
    String row = "%-42s %s%n";
    out.printf(row, "figure", "value");
    out.printf(row, "requests by verb and answer", new TreeMap<>(toCounts(cluster.server().answers())));
    out.printf(row, "faults injected", new TreeMap<>(toCounts(faults.injected())));
    out.printf(row, "operator restarts", restarts);
    out.printf(row, "time under faults", underFaults.toMillis() / 1000.0 + " s");
    out.printf(row, "time to converge after the faults stopped", toConverge.toMillis() / 1000.0 + " s");
    if (!outcome.problems().isEmpty()) {
      out.println("not converged:");
      outcome.problems().stream().limit(20).forEach(p -> out.println("  " + p));
    }
  }

  private static <K> Map<String, Long> toCounts(Map<K, java.util.concurrent.atomic.LongAdder> counts) {
    Map<String, Long> result = new HashMap<>();
    counts.forEach((k, v) -> result.put(String.valueOf(k), v.sum()));
    return result;
  }
}
