package de.dhoch3.aiservices.bench;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.AIServiceStatus;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import de.dhoch3.aiservices.embedded.SimulatedDeploymentController;
import de.dhoch3.aiservices.reconcile.AIServiceOperator;
import de.dhoch3.aiservices.reconcile.StatusCalculator;
import de.dhoch3.aiservices.workload.Workload;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How fast the operator converges, how little it writes and how little memory it needs, against
 * the in-process API server, with a plain-client baseline measured in the same run. Prints
 * figures; asserts nothing about time.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark the operator on the in-process API server and print a table of figures.")
public final class Benchmark implements Callable<Integer> {
  static final String NS = "bench";

  @Option(names = "-n", defaultValue = "1000", description = "AIServices to create (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--concurrency", defaultValue = "50", description = "Reconcile threads of the operator and writer threads of the baseline (JOSDK's default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--idle", defaultValue = "PT20S", description = "Idle period with nothing changed; a full resync happens within it (default: ${DEFAULT-VALUE}).")
  Duration idle;

  @Option(names = "--changes", defaultValue = "100", description = "Single spec changes timed one after the other (default: ${DEFAULT-VALUE}).")
  int changes;

  @Option(names = "--unrelated", defaultValue = "5000", description = "Unrelated Deployments and ConfigMaps (each) for the memory check (default: ${DEFAULT-VALUE}).")
  int unrelated;

  @Option(names = "--timeout", defaultValue = "PT10M", description = "Upper bound of every wait (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  private final Report report = new Report();

  public static void main(String[] args) {
    System.exit(new CommandLine(new Benchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    System.out.printf("Benchmark: N=%d AIServices, concurrency %d, idle %ds, %d changes, %d unrelated objects; %d cores, Java %s%n",
        count, concurrency, idle.toSeconds(), changes, unrelated, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    operatorRun(jvmStart);
    baselineRun();
    memoryAndStartRun();
    report.print(count);
    return 0;
  }

  /** Convergence, requests, idle writes and single-change latency with the real operator in this JVM. */
  private void operatorRun(long jvmStart) throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start();
        KubernetesClient user = cluster.newClient();
        SimulatedDeploymentController simulation = new SimulatedDeploymentController(cluster.newClient())) {
      cluster.ensureNamespace(NS);
      RequestCounter requests = new RequestCounter();
      KubernetesClient operatorClient = new KubernetesClientBuilder().withConfig(cluster.client().getConfiguration())
          .withHttpClientBuilderConsumer(builder -> builder.addOrReplaceInterceptor("bench-counter", requests)).build();
      ReconcileCounter reconciles = new ReconcileCounter();
      Operator operator = AIServiceOperator.create(operatorClient, OperatorConfig.defaults(), Clock.systemUTC(), reconciles,
          o -> o.withConcurrentReconciliationThreads(concurrency),
          // every AIService is reconciled again at least once within the idle period
          c -> c.withReconciliationMaxInterval(idle.dividedBy(2)));
      AIServiceWatch watch = new AIServiceWatch(user);
      try {
        operator.start();
        simulation.start();

        long begin = System.nanoTime();
        parallel(count, i -> user.resource(aiservice(i)).create());
        watch.await(count, Benchmark::reconciled, timeout);
        report.convergedMs = ms(begin);
        watch.await(count, Benchmark::ready, timeout);
        report.readyMs = ms(begin);
        report.convergenceRequests = requests.snapshot();
        report.startJvmToFirstReconcileMs = reconciles.firstReconcileAt() - jvmStart;

        // idle: nothing changes; the resync reconciles everything again and must write nothing
        Thread.sleep(2000);
        requests.reset();
        long reconcilesBefore = reconciles.count();
        Thread.sleep(idle.toMillis());
        report.idleRequests = requests.snapshot();
        report.idleReconciles = reconciles.count() - reconcilesBefore;

        report.changeLatenciesMs = singleChanges(user);
      } finally {
        operator.stop();
        watch.close();
        operatorClient.close();
      }
    }
  }

  /** The same objects and status writes by a plain client with the same concurrency: the floor. */
  private void baselineRun() throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); KubernetesClient client = cluster.newClient()) {
      cluster.ensureNamespace(NS);
      OperatorConfig config = OperatorConfig.defaults();
      long begin = System.nanoTime();
      parallel(count, i -> {
        AIService created = client.resource(aiservice(i)).create();
        Workload workload = WorkloadBuilder.build(created, config);
        for (HasMetadata object : workload.objects()) {
          client.resource(object).create();
        }
        AIServiceStatus status = new AIServiceStatus();
        status.observedGeneration = created.getMetadata().getGeneration();
        status.url = workload.url();
        status.modelPaths = workload.modelPaths();
        created.setStatus(status);
        return client.resource(created).updateStatus();
      });
      report.baselineMs = ms(begin);
    }
  }

  /** The operator in its own JVM: start time, and heap after GC with N AIServices, then with unrelated objects added. */
  private void memoryAndStartRun() throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); KubernetesClient user = cluster.newClient()) {
      cluster.ensureNamespace(NS);
      cluster.ensureNamespace("unrelated");
      user.resource(aiservice(0)).create();
      AIServiceWatch watch = new AIServiceWatch(user);
      try (ChildOperator child = ChildOperator.start(cluster.client().getConfiguration())) {
        watch.await(1, Benchmark::reconciled, timeout);
        report.startProcessToFirstReconcileMs = Duration.between(child.startedAt(), Instant.now()).toMillis();

        parallel(count - 1, i -> user.resource(aiservice(i + 1)).create());
        watch.await(count, Benchmark::reconciled, timeout);
        report.heapWithNKiB = child.heapAfterGcKiB();

        parallel(unrelated, i -> {
          user.resource(new DeploymentBuilder()
              .withNewMetadata().withName("other-" + i).withNamespace("unrelated").addToLabels("app", "other").endMetadata()
              .withNewSpec().withNewSelector().addToMatchLabels("app", "other").endSelector()
              .withNewTemplate().withNewMetadata().addToLabels("app", "other").endMetadata()
              .withNewSpec().addNewContainer().withName("c").withImage("nginx:1.27").endContainer().endSpec().endTemplate()
              .endSpec().build()).create();
          return user.resource(new ConfigMapBuilder()
              .withNewMetadata().withName("other-" + i).withNamespace("unrelated").endMetadata()
              .addToData("payload", "x".repeat(512)).build()).create();
        });
        Thread.sleep(5000);
        report.heapWithUnrelatedKiB = child.heapAfterGcKiB();
      } finally {
        watch.close();
      }
    }
  }

  private List<Long> singleChanges(KubernetesClient user) throws Exception {
    Map<String, Long> seen = new ConcurrentHashMap<>();
    SharedIndexInformer<Deployment> deployments = user.apps().deployments().inNamespace(NS).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Deployment d) {}

      @Override
      public void onUpdate(Deployment old, Deployment d) {
        var env = d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        if (env != null) {
          env.stream().filter(e -> e.getName().equals("BENCH_CHANGE")).forEach(e -> seen.putIfAbsent(d.getMetadata().getName() + "=" + e.getValue(), System.nanoTime()));
        }
      }

      @Override
      public void onDelete(Deployment d, boolean unknown) {}
    });
    try {
      Random random = new Random(42);
      List<Long> latencies = new ArrayList<>();
      for (int change = 0; change < changes; change++) {
        String name = name(random.nextInt(count));
        String key = name + "=" + change;
        String value = String.valueOf(change);
        long begin = editSpec(user, name, value);
        long deadline = begin + timeout.toNanos();
        while (!seen.containsKey(key) && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        latencies.add(TimeUnit.NANOSECONDS.toMillis(seen.getOrDefault(key, deadline) - begin));
      }
      return latencies;
    } finally {
      deployments.close();
    }
  }

  /**
   * Changes one AIService's spec as kubectl edit would, again after a conflict with the
   * operator's own status write (bounded); returns when the accepted write started.
   */
  private static long editSpec(KubernetesClient user, String name, String value) {
    for (int attempt = 1; ; attempt++) {
      long begin = System.nanoTime();
      try {
        user.resources(AIService.class).inNamespace(NS).withName(name).edit(ai -> {
          ai.getSpec().env = List.of(new EnvVar("BENCH_CHANGE", value, null));
          return ai;
        });
        return begin;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  static String name(int i) {
    return String.format("app-%05d", i);
  }

  static AIService aiservice(int i) {
    AIService ai = new AIService();
    ai.setMetadata(new ObjectMetaBuilder().withName(name(i)).withNamespace(NS).build());
    ai.setSpec(new AIServiceSpec());
    ai.getSpec().app = App.values()[i % (App.values().length - 1)];   // every catalog app but custom
    ai.getSpec().storage = new StorageSpec();
    ai.getSpec().storage.serviceDir = name(i);
    return ai;
  }

  static boolean reconciled(AIService ai) {
    return ai.getStatus() != null && Objects.equals(ai.getStatus().observedGeneration, ai.getMetadata().getGeneration());
  }

  static boolean ready(AIService ai) {
    return reconciled(ai) && StatusCalculator.find(ai.getStatus(), StatusCalculator.READY).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  private <T> void parallel(int n, ThrowingFunction<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(pool.submit(() -> task.apply(index)));
      }
      for (Future<T> future : futures) {
        future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  interface ThrowingFunction<T> {
    T apply(int i) throws Exception;
  }

  static long ms(long beginNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - beginNanos);
  }

  /** Counts reconciles through JOSDK's metrics hook, and when the first one finished. */
  static final class ReconcileCounter implements Metrics {
    private final LongAdder reconciles = new LongAdder();
    private final AtomicLong first = new AtomicLong();

    @Override
    public void reconcileCustomResource(HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
      reconciles.increment();
    }

    @Override
    public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
      first.compareAndSet(0, System.currentTimeMillis());
    }

    long count() {
      return reconciles.sum();
    }

    long firstReconcileAt() {
      return first.get();
    }
  }

  /** Watches the AIServices of the benchmark namespace, to wait for a condition on all of them without polling lists. */
  static final class AIServiceWatch implements AutoCloseable {
    private final Map<String, AIService> latest = new ConcurrentHashMap<>();
    private final SharedIndexInformer<AIService> informer;

    AIServiceWatch(KubernetesClient client) {
      informer = client.resources(AIService.class).inNamespace(NS).inform(new ResourceEventHandler<>() {
        @Override
        public void onAdd(AIService ai) {
          latest.put(ai.getMetadata().getName(), ai);
        }

        @Override
        public void onUpdate(AIService old, AIService ai) {
          latest.put(ai.getMetadata().getName(), ai);
        }

        @Override
        public void onDelete(AIService ai, boolean unknown) {
          latest.remove(ai.getMetadata().getName());
        }
      });
    }

    void await(int expected, Predicate<AIService> condition, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (latest.values().stream().filter(condition).count() >= expected) {
          return;
        }
        Thread.sleep(20);
      }
      throw new IllegalStateException("timed out waiting for " + expected + " AIServices; " + latest.values().stream().filter(condition).count() + " there");
    }

    @Override
    public void close() {
      informer.close();
    }
  }

  static List<Long> sorted(List<Long> values) {
    List<Long> copy = new ArrayList<>(values);
    Collections.sort(copy);
    return copy;
  }
}
