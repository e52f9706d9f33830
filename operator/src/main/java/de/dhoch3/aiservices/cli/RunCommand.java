package de.dhoch3.aiservices.cli;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import de.dhoch3.aiservices.embedded.SimulatedDeploymentController;
import de.dhoch3.aiservices.reconcile.AIServiceOperator;
import de.dhoch3.aiservices.validation.SpecProblem;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The operator. Against a cluster when one is configured; otherwise (or with --embedded) against an in-process API server. */
@Command(name = "run", description = "Run the operator. Without a kubeconfig or in-cluster config (or with --embedded) it starts an in-process API server, applies the manifests and shows what it created.")
final class RunCommand implements Callable<Integer> {

  @Option(names = "--embedded", description = "Use an in-process API server even if a cluster is configured.")
  boolean embedded;

  @Option(names = "--once", description = "Embedded: exit after every applied AIService has converged (or --timeout).")
  boolean once;

  @Option(names = {"-f", "--filename"}, description = "Embedded: AIService manifests (files or folders) to apply. Default: examples/")
  List<Path> manifests = new ArrayList<>();

  @Option(names = "--config", description = "Operator configuration file. Default: the studio's layout under /vol/service/cw.")
  Path config;

  @Option(names = "--health-port", description = "Port for /healthz, /readyz and /metrics; -1 to disable (default: 8080 against a cluster, a free port when embedded).")
  Integer healthPort;

  @Option(names = "--leader-election", description = "Only one replica reconciles; the others wait on a Lease.")
  boolean leaderElection;

  @Option(names = "--lease-namespace", description = "Namespace of the leader-election Lease (default: the operator's own).")
  String leaseNamespace;

  @Option(names = "--kubeconfig-out", description = "Embedded: write a kubeconfig for the in-process API server to this file and keep running, so kubectl or curl can watch and change objects.")
  Path kubeconfigOut;

  @Option(names = "--timeout", defaultValue = "PT60S", description = "Embedded: how long to wait for convergence (ISO-8601, default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--portal-port", description = "Serves the studio portal on this port (0: a free one); overrides portal.enabled/port of --config.")
  Integer portalPort;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** The portal when enabled (configuration or --portal-port): informers of its own, on every replica. */
  private AutoCloseable portal(KubernetesClient client, OperatorConfig operatorConfig, PrintWriter out) throws Exception {
    if (portalPort == null && !operatorConfig.portal.enabled) {
      return () -> { };
    }
    var cache = new de.dhoch3.aiservices.portal.PortalCache(client, operatorConfig.watchNamespaces);
    var actions = new de.dhoch3.aiservices.portal.PortalActions(client, de.dhoch3.aiservices.portal.PortalActions.subjectAccessReview(client));
    var server = new de.dhoch3.aiservices.portal.PortalServer(cache, actions, operatorConfig,
        portalPort != null ? portalPort : operatorConfig.portal.port);
    out.println("  studio portal on http://localhost:" + server.port() + "/" + (operatorConfig.portal.actions.enabled ? " (actions enabled)" : ""));
    out.flush();
    return () -> {
      server.close();
      cache.close();
    };
  }

  @Override
  public Integer call() throws Exception {
    StartWarmUp.awaitLogging();
    PrintWriter out = spec.commandLine().getOut();
    OperatorConfig operatorConfig = OperatorConfig.load(config);
    if (embedded || !clusterConfigured()) {
      return runEmbedded(out, operatorConfig);
    }
    try (KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(de.dhoch3.aiservices.reconcile.LeaderElection.clientConfig(io.fabric8.kubernetes.client.Config.autoConfigure(null)))
        .withKubernetesSerialization(StartWarmUp.serialization()).build()) {
      out.println("aiservice-operator: managing " + client.getMasterUrl()
          + (operatorConfig.watchNamespaces.isEmpty() ? " (all namespaces)" : " namespaces " + operatorConfig.watchNamespaces));
      Operator operator = start(client, operatorConfig, false);
      try (HealthServer health = healthServer(operator, 8080); AutoCloseable portal = portal(client, operatorConfig, out)) {
        stopped.await();
      }
    }
    return 0;
  }

  private Operator start(KubernetesClient client, OperatorConfig operatorConfig, boolean inProcess) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // the JVM's own figures beside JOSDK's: heap, GC and threads are what an operator runs out of
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    metricsRegistry = registry;
    Operator operator = AIServiceOperator.create(client, operatorConfig, Clock.systemUTC(),
        MicrometerMetrics.withoutPerResourceMetrics(registry),
        overrider -> {
          if (inProcess) {
            // the in-process server goes away with this command: an informer stopping then is no reason to
            // end the JVM the way JOSDK's default handler ends a production process (System.exit)
            overrider.withInformerStoppedHandler((informer, error) -> { });
          }
          if (leaderElection) {
            overrider.withLeaderElectionConfiguration(de.dhoch3.aiservices.reconcile.LeaderElection.configuration(leaseNamespace, identity,
                () -> {
                  leading.set(true);
                  startInbox(client, operatorConfig);
                }, stopping::get, () -> System.exit(1)));
          }
        });
    // before anything starts (the lease may be ours at once): SIGTERM must always stop the operator and give the lease up
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopOnPurpose(operator, client);
      stopped.countDown();
    }, "shutdown"));
    operator.start();
    if (!leaderElection) {
      startInbox(client, operatorConfig);
    }
    return operator;
  }

  private PrometheusMeterRegistry metricsRegistry;

  /** The model inbox's CronJob, kept by the leader only (or the single operator without leader election). */
  private void startInbox(KubernetesClient client, OperatorConfig operatorConfig) {
    if (operatorConfig.inbox.enabled) {
      de.dhoch3.aiservices.inbox.InboxSchedule.start(client, operatorConfig, metricsRegistry, System.err);
    } else {
      de.dhoch3.aiservices.inbox.InboxSchedule.removeLeftover(client, operatorConfig, System.err);
    }
  }

  private HealthServer healthServer(Operator operator, int defaultPort) throws java.io.IOException {
    int port = healthPort != null ? healthPort : defaultPort;
    return port < 0 ? null : new HealthServer(port, operator, metricsRegistry);
  }

  private int runEmbedded(PrintWriter out, OperatorConfig operatorConfig) throws Exception {
    List<Path> paths = manifests.isEmpty() ? List.of(Path.of("examples")) : manifests;
    for (Path path : paths) {
      if (!Files.exists(path)) {
        spec.commandLine().getErr().println("error: " + path.toAbsolutePath() + " does not exist (run from the repository root, or pass -f)");
        return 2;
      }
    }
    out.println("aiservice-operator: no cluster configured (or --embedded): starting an in-process API server.");
    out.println("  Nothing runs pods here; a SIMULATED Deployment controller marks Deployments available so the status path can be seen.");
    try (EmbeddedCluster cluster = EmbeddedCluster.start();
        SimulatedDeploymentController simulation = new SimulatedDeploymentController(cluster.newClient()).start();
        KubernetesClient user = cluster.newClient()) {
      if (kubeconfigOut != null) {
        Files.writeString(kubeconfigOut, cluster.kubeconfig());
        out.println("  kubeconfig for the in-process API server written to " + kubeconfigOut.toAbsolutePath()
            + " (e.g. KUBECONFIG=" + kubeconfigOut + " kubectl get ais -A)");
      }
      Operator operator = start(cluster.client(), operatorConfig, true);
      // a free port: the embedded run must not fail because something else listens on 8080
      try (HealthServer health = healthServer(operator, 0); AutoCloseable portal = portal(cluster.client(), operatorConfig, out)) {
        List<AIService> applied = apply(out, user, cluster, operatorConfig, paths);
        EmbeddedReport.awaitConverged(user, applied, Instant.now().plus(timeout));
        EmbeddedReport.print(out, user, applied);
        if (!once || kubeconfigOut != null) {
          out.println();
          out.println("Operator running against the in-process API server" + (health == null ? "" : " (health and metrics on :" + health.port() + ")") + ". Ctrl-C to stop.");
          out.flush();
          stopped.await();
        }
      } finally {
        stopOnPurpose(operator, cluster.client());
      }
    }
    return 0;
  }

  /** Applies the AIServices like kubectl apply to a cluster with the CRD: rejected at admission when the schema says so. */
  static List<AIService> apply(PrintWriter out, KubernetesClient user, EmbeddedCluster cluster, OperatorConfig operatorConfig, List<Path> paths)
      throws java.io.IOException {
    List<AIService> applied = new ArrayList<>();
    Admission admission = new Admission(operatorConfig);
    for (Manifests.Doc doc : Manifests.fromPaths(paths)) {
      List<SpecProblem> rejected = admission.schemaProblems(doc.node());
      if (!rejected.isEmpty()) {
        out.println("  rejected " + doc.source() + " " + doc.name() + ": " + rejected);
        continue;
      }
      AIService ai = doc.toResource("default");
      cluster.ensureNamespace(ai.getMetadata().getNamespace());
      applied.add(user.resource(ai).createOr(existing -> existing.update()));
      out.println("  applied " + doc.source() + " -> aiservice/" + ai.getMetadata().getName() + " in " + ai.getMetadata().getNamespace());
    }
    out.flush();
    return applied;
  }

  /** This process's name in the lease: the pod's name, as kubectl shows it. */
  private final String identity = Optional.ofNullable(System.getenv("HOSTNAME")).orElseGet(() -> "aiservice-operator-" + java.util.UUID.randomUUID());

  /** Set before the operator is stopped on purpose: the end of leading that follows is no lost lease. */
  private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
  /** Set once this process leads: only then is there a lease to give up. */
  private final java.util.concurrent.atomic.AtomicBoolean leading = new java.util.concurrent.atomic.AtomicBoolean();
  /** Counted down by the shutdown hook once the operator has stopped. */
  private final CountDownLatch stopped = new CountDownLatch(1);
  /** The most the lease's release may take: the pod's grace period (30 s) must not run out on an unreachable API server. */
  static final java.time.Duration RELEASE_TIMEOUT = java.time.Duration.ofSeconds(10);

  /** Stops the operator once (SIGTERM's hook, or the end of an embedded run), then gives the lease up if this process led. */
  private void stopOnPurpose(Operator operator, KubernetesClient client) {
    if (stopping.getAndSet(true)) {
      return;
    }
    operator.stop();
    if (!leaderElection || !leading.get()) {
      return;
    }
    String namespace = leaseNamespace != null ? leaseNamespace : client.getNamespace();
    try {
      java.util.concurrent.CompletableFuture.runAsync(() -> de.dhoch3.aiservices.reconcile.LeaderElection.release(client, namespace, identity))
          .get(RELEASE_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | InterruptedException e) {
      System.err.println("aiservice-operator: could not give up the leader lease (the next operator waits it out): "
          + (e.getCause() != null ? e.getCause().getMessage() : e.toString()));
    }
  }

  /** True when a kubeconfig or an in-cluster service account is there to talk to. */
  static boolean clusterConfigured() {
    if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
      return true;
    }
    // as fabric8 looks for it (7.5.2 Config.java:719, Utils.getSystemPropertyOrEnvVar("kubeconfig")): the system
    // property first, the environment when the property is unset or empty
    String kubeconfig = System.getProperty("kubeconfig");
    if (kubeconfig == null || kubeconfig.isEmpty()) {
      kubeconfig = System.getenv("KUBECONFIG");
    }
    if (kubeconfig != null && !kubeconfig.isBlank()) {
      return true;
    }
    return Files.exists(Path.of(System.getProperty("user.home"), ".kube", "config"));
  }
}
