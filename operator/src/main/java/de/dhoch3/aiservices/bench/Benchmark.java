package de.dhoch3.aiservices.bench;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.AIServiceStatus;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import de.dhoch3.aiservices.embedded.SimulatedDeploymentController;
import de.dhoch3.aiservices.reconcile.AIServiceOperator;
import de.dhoch3.aiservices.reconcile.EventRecorder;
import de.dhoch3.aiservices.reconcile.StatusCalculator;
import de.dhoch3.aiservices.workload.Labels;
import de.dhoch3.aiservices.workload.Workload;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
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

  @Option(names = "--idle", defaultValue = "PT20S", description = "Idle period with nothing changed, after a restart of the operator that reconciles every AIService again (default: ${DEFAULT-VALUE}).")
  Duration idle;

  @Option(names = "--changes", defaultValue = "100", description = "Single spec changes timed one after the other (default: ${DEFAULT-VALUE}).")
  int changes;

  @Option(names = "--roundtrips", defaultValue = "100", description = "Samples of the API server's own round trip, a write until a watch sees it (default: ${DEFAULT-VALUE}).")
  int roundTrips;

  @Option(names = "--unrelated", defaultValue = "5000", description = "Unrelated Deployments and ConfigMaps (each) for the memory check (default: ${DEFAULT-VALUE}).")
  int unrelated;

  @Option(names = "--timeout", defaultValue = "PT10M", description = "Upper bound of every wait (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--warmup", defaultValue = "1000", description = "AIServices (at most N) of an unmeasured first round (operator and fair baseline, each on its own server),"
      + " so that no measured run pays the JIT compilation of the code all runs share (default: ${DEFAULT-VALUE}; 0: none).")
  int warmup;

  @Option(names = "--warmup-passes", defaultValue = "12", description = "At most this many warm-up passes: they repeat until one spends under"
      + " 5 %% of its time compiling (JIT), so that the measured runs do not pay for it (default: ${DEFAULT-VALUE}).")
  int warmupPasses;

  @Option(names = "--rounds", defaultValue = "5", description = "Rounds of the operator's convergence and the fair baseline, one after the other;"
      + " the fair ratio is the median of the rounds' ratios (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--memory-only", description = "Only the operator's own process: start time and heap with N AIServices (no rounds).")
  boolean memoryOnly;

  @Option(names = "--heap-histogram", description = "Also writes the operator process's class histogram (jcmd GC.class_histogram) at N here.")
  java.nio.file.Path heapHistogram;

  @Option(names = "--java-options", split = " ", description = "Options of the operator's own JVM as shipped, in the start and memory figures"
      + " (default: the Helm chart's javaOptions, and -XX:MaxRAM for its 512 MiB container limit: ${DEFAULT-VALUE}).")
  List<String> javaOptions = new ArrayList<>(SHIPPED_JAVA_OPTIONS);

  @Option(names = "--starts", defaultValue = "3", description = "Operator process starts measured each way (plain, as shipped); the figure is the median (default: ${DEFAULT-VALUE}).")
  int starts;

  /**
   * The chart's javaOptions (helm values.yaml) and its memory limit: in a container the JVM sizes its
   * heap by the cgroup's limit, here by -XX:MaxRAM. MaxRAM does not stand in for the limit in the
   * JVM's choice of collector (JDK 17 os.cpp is_server_class_machine reads the physical memory, which
   * in a container is the cgroup's limit: under 1792 MiB, Serial; gcConfig.cpp select_gc_ergonomically):
   * here it would pick G1 where the pod picked Serial. The chart names G1, so both run the same.
   */
  static final List<String> SHIPPED_JAVA_OPTIONS = List.of("-XX:MaxRAM=512m", "-XX:+UseG1GC", "-XX:MaxRAMPercentage=70",
      "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1");

  private Report report = new Report();

  public static void main(String[] args) {
    System.exit(new CommandLine(new Benchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    System.out.printf("Benchmark: N=%d AIServices, concurrency %d, idle %ds, %d changes, %d unrelated objects; %d cores, Java %s%n",
        count, concurrency, idle.toSeconds(), changes, unrelated, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    if (memoryOnly) {
      memoryAndStartRun();
      System.out.printf("start: process start -> first reconcile %d ms plain, %d ms as shipped (medians); operator heap after GC with %d"
          + " AIServices %d MiB, with the unrelated objects added %d MiB%n", report.startProcessToFirstReconcileMs, report.startWithCdsMs, count,
          report.heapWithNKiB / 1024, report.heapWithUnrelatedKiB / 1024);
      return 0;
    }
    if (warmup > 0) {
      warmUp(jvmStart);
    }
    // on two shared cores one run varies by tens of percent: operator and fair baseline take turns,
    // and the ratio is the median of the rounds'
    for (int round = 1; round <= Math.max(1, rounds); round++) {
      boolean last = round == Math.max(1, rounds);
      // whichever runs first pays for what the JIT still compiles of the code both share (server, client,
      // Jackson): the order alternates, the operator first in odd rounds
      boolean baselineFirst = round % 2 == 0;
      if (baselineFirst) {
        fairBaselineRun();
      }
      operatorRun(jvmStart, last);
      if (last) {
        objectsBaselineRun();
      }
      if (!baselineFirst) {
        fairBaselineRun();
      }
      report.rounds.add(new long[] {report.readyMs, report.fairBaselineMs, report.operatorCpuMs, report.fairBaselineCpuMs,
          report.operatorServerCpuMs, report.fairBaselineServerCpuMs});
      progress("round " + round + ": all Ready " + report.readyMs + " ms, fair baseline " + report.fairBaselineMs + " ms");
    }
    memoryAndStartRun();
    report.print(count);
    return 0;
  }

  /** The JIT counts as quiet after this long without compiling more than {@link #JIT_QUIET_SLACK_MS}. */
  static final Duration JIT_QUIET = Duration.ofSeconds(1);
  static final long JIT_QUIET_SLACK_MS = 5;
  static final Duration JIT_QUIET_MAX = Duration.ofSeconds(30);

  /**
   * Waits until the JIT has drained its queue: on two cores its two compiler threads get a share of
   * the CPU among a hundred busy ones and fall behind, so a run would otherwise pay for compiling
   * code of the run before it (a quarter of a round's CPU went to compiling, measured by thread).
   * Each measured run, operator or baseline, starts with the JIT quiet; what a run makes hot is
   * still compiled during it. At most {@link #JIT_QUIET_MAX}.
   */
  private void awaitJitQuiet() throws InterruptedException {
    // and a collected heap: the previous run's garbage (its server, its caches) is not the next run's cost,
    // whichever side runs next
    System.gc();
    java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
    long began = System.nanoTime();
    long quietSince = began;
    long compiledThen = jit.getTotalCompilationTime();
    while (ms(began) < JIT_QUIET_MAX.toMillis() && ms(quietSince) < JIT_QUIET.toMillis()) {
      Thread.sleep(100);
      long compiledNow = jit.getTotalCompilationTime();
      if (compiledNow - compiledThen > JIT_QUIET_SLACK_MS) {
        quietSince = System.nanoTime();
        compiledThen = compiledNow;
      }
    }
    progress("JIT quiet after " + ms(began) + " ms");
  }

  /** A warm-up pass that spent less than this share of its time compiling ends the warm-up. */
  static final int WARM_COMPILING_PERCENT = 5;

  /**
   * The same runs, smaller and unmeasured: the in-process server, the client and the operator
   * share this JVM, and on two cores the JIT compiling their code costs seconds; without this the
   * first measured run would pay for all of them. Repeated while a pass still spends
   * {@link #WARM_COMPILING_PERCENT} or more of its time compiling, at most {@code --warmup-passes} times.
   */
  private void warmUp(long jvmStart) throws Exception {
    int n = count;
    int c = changes;
    int r = roundTrips;
    Duration i = idle;
    count = Math.min(warmup, n);
    changes = Math.min(10, c);
    roundTrips = Math.min(10, r);
    idle = Duration.ofSeconds(1);
    try {
      java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
      for (int pass = 1; pass <= Math.max(1, warmupPasses); pass++) {
        long compiledBefore = jit.getTotalCompilationTime();
        long began = System.nanoTime();
        operatorRun(jvmStart, true);
        fairBaselineRun();
        long wall = ms(began);
        long compiling = jit.getTotalCompilationTime() - compiledBefore;
        progress("warm-up pass " + pass + ": " + wall + " ms, JIT compiling " + compiling + " ms");
        if (compiling * 100 < wall * WARM_COMPILING_PERCENT) {
          break;
        }
      }
    } finally {
      long firstReconcile = report.startJvmToFirstReconcileMs;
      count = n;
      changes = c;
      roundTrips = r;
      idle = i;
      report = new Report();
      report.startJvmToFirstReconcileMs = firstReconcile;
    }
    progress("warm-up with " + Math.min(warmup, n) + " AIServices done");
  }

  /** Convergence and requests, and when {@code full} idle writes and single-change latency, with the real operator in this JVM. */
  private void operatorRun(long jvmStart, boolean full) throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start();
        KubernetesClient user = cluster.newClient();
        SimulatedDeploymentController simulation = new SimulatedDeploymentController(cluster.newClient())) {
      cluster.ensureNamespace(NS);
      RequestCounter requests = new RequestCounter();
      // read as production reads (RunCommand): every string canonical, empty extras shared
      KubernetesClient operatorClient = new KubernetesClientBuilder().withConfig(cluster.client().getConfiguration())
          .withKubernetesSerialization(de.dhoch3.aiservices.reconcile.CompactStrings.serialization())
          .withHttpClientBuilderConsumer(builder -> builder.addOrReplaceInterceptor("bench-counter", requests)).build();
      ReconcileCounter reconciles = new ReconcileCounter();
      // production's configuration (no resync during convergence: JOSDK's default maximum interval is 10 hours)
      Operator operator = AIServiceOperator.create(operatorClient, OperatorConfig.defaults(), Clock.systemUTC(), reconciles,
          o -> o.withConcurrentReconciliationThreads(concurrency));
      AIServiceWatch watch = new AIServiceWatch(user);
      try {
        operator.start();
        simulation.start();
        awaitJitQuiet();

        progress("creating " + count + " AIServices");
        long begin = System.nanoTime();
        long cpuBegin = cpuMillis();
        ThreadCpu threadCpu = ThreadCpu.now();
        parallel(count, i -> user.resource(aiservice(i)).create());
        watch.await(count, RECONCILED, timeout);
        report.convergedMs = ms(begin);
        progress("all reconciled after " + report.convergedMs + " ms");
        watch.await(count, READY, timeout);
        report.readyMs = ms(begin);
        report.operatorCpuMs = cpuMillis() - cpuBegin;
        Usage usage = threadCpu.since();
        report.operatorServerCpuMs = usage.server();
        progress("CPU by thread group during the run: " + usage);
        progress("all Ready after " + report.readyMs + " ms; " + requests.snapshot());
        report.convergenceRequests = requests.snapshot();
        report.convergenceReconciles = reconciles.count();
        report.convergenceGetPaths = requests.getPaths();
        if (report.startJvmToFirstReconcileMs == 0) {
          report.startJvmToFirstReconcileMs = reconciles.firstReconcileAt() - jvmStart;
        }

        if (!full) {
          return;
        }
        // idle: nothing changes; the operator is restarted (fresh caches, every AIService reconciled
        // again, as after a fail-over or an upgrade) and must write nothing, then nothing happens for the idle period
        Thread.sleep(2000);
        operator.stop();
        requests.reset();
        long reconcilesBefore = reconciles.count();
        operator = AIServiceOperator.create(operatorClient, OperatorConfig.defaults(), Clock.systemUTC(), reconciles,
            o -> o.withConcurrentReconciliationThreads(concurrency));
        operator.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (reconciles.count() - reconcilesBefore < count && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        Thread.sleep(idle.toMillis());
        report.idleRequests = requests.snapshot();
        report.idleReconciles = reconciles.count() - reconcilesBefore;

        // the server's own round trip, same server, same moment: the floor under any change latency
        report.roundTripsMicros = roundTrips(user);
        changeRoundTrips(user);
        progress("idle: " + report.idleReconciles + " reconciles, requests " + report.idleRequests + "; round trip median "
            + Report.median(report.roundTripsMicros) + " µs");
        report.changeLatenciesMicros = singleChanges(user, reconciles, requests);
        progress("single change median " + Report.median(report.changeLatenciesMicros) + " µs");
      } finally {
        operator.stop();
        watch.close();
        operatorClient.close();
      }
    }
  }

  /** The same objects and one status write each by a plain client with the same concurrency: the floor. */
  private void objectsBaselineRun() throws Exception {
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
      progress("baseline (objects + one status) " + report.baselineMs + " ms");
    }
  }

  /**
   * The operator's necessary writes, in its order, by a plain client with the same concurrency:
   * per AIService its owned objects, the status "rolling out", then, once the simulated
   * Deployment controller marked the Deployment available (seen by a watch, as the operator sees
   * it), the status "ready" and the Event. The statuses and the Event come from the operator's
   * own code, so they are the same writes; left out is everything the operator does beyond them
   * (the checks before the first write, conflicts retried, the work queue).
   */
  private void fairBaselineRun() throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start();
        SimulatedDeploymentController simulation = new SimulatedDeploymentController(cluster.newClient())) {
      cluster.ensureNamespace(NS);
      RequestCounter requests = new RequestCounter();
      KubernetesClient client = new KubernetesClientBuilder().withConfig(cluster.client().getConfiguration())
          .withHttpClientBuilderConsumer(builder -> builder.addOrReplaceInterceptor("bench-counter", requests)).build();
      OperatorConfig config = OperatorConfig.defaults();
      EventRecorder events = new EventRecorder(client);
      Map<String, CompletableFuture<Deployment>> available = new ConcurrentHashMap<>();
      ResourceEventHandler<Deployment> deploymentsSeen = new ResourceEventHandler<>() {
        @Override
        public void onAdd(Deployment d) {
          onUpdate(null, d);
        }

        @Override
        public void onUpdate(Deployment old, Deployment d) {
          if (isAvailable(d)) {
            available.computeIfAbsent(d.getMetadata().getLabels().get(Labels.INSTANCE), k -> new CompletableFuture<>()).complete(d);
          }
        }

        @Override
        public void onDelete(Deployment d, boolean unknown) {}
      };
      // the operator's watches (the Deployments' with the handler above), and the same observer of the
      // AIServices' status as in the operator's run
      List<SharedIndexInformer<?>> watches = operatorsWatches(client, deploymentsSeen);
      AIServiceWatch observer = new AIServiceWatch(cluster.newClient());
      ExecutorService pool = Executors.newFixedThreadPool(concurrency);
      try {
        simulation.start();
        awaitJitQuiet();
        requests.reset();
        progress("fair baseline for " + count + " AIServices");
        long begin = System.nanoTime();
        long cpuBegin = cpuMillis();
        ThreadCpu threadCpu = ThreadCpu.now();
        List<CompletableFuture<AIService>> done = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          int index = i;
          CompletableFuture<Deployment> deployment = available.computeIfAbsent(name(i), k -> new CompletableFuture<>());
          done.add(CompletableFuture.supplyAsync(() -> rollingOut(client, config, index), pool)
              .thenCombineAsync(deployment, (rolling, d) -> ready(client, events, rolling, d), pool));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        observer.await(count, READY, timeout);
        report.fairBaselineMs = ms(begin);
        report.fairBaselineCpuMs = cpuMillis() - cpuBegin;
        Usage usage = threadCpu.since();
        report.fairBaselineServerCpuMs = usage.server();
        progress("CPU by thread group during the run: " + usage);
        progress("fair baseline " + report.fairBaselineMs + " ms");
        report.fairBaselineRequests = requests.snapshot();
      } finally {
        pool.shutdownNow();
        watches.forEach(SharedIndexInformer::close);
        observer.close();
        client.close();
      }
    }
  }

  /**
   * The watches the operator holds, each with the operator's selector: its AIServices; the Deployments,
   * Services, ConfigMaps, Ingresses and GPU claim templates it owns; its app pods; the AIModels, their Jobs
   * and pods. The fair baseline leaves out the operator's machinery, not the reads it makes: the in-process
   * server matches every event against every watch (fabric8 7.5.2 KubernetesCrudDispatcher.processEvent).
   * Until issue 24's sixth pass the baseline held four of the ten; BenchmarkTest holds it to the operator's.
   */
  static List<SharedIndexInformer<?>> operatorsWatches(KubernetesClient client, ResourceEventHandler<Deployment> deployments) {
    String models = de.dhoch3.aiservices.models.ModelJobs.SELECTOR;
    return List.of(
        client.apps().deployments().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.OPERATOR).inform(deployments),
        client.resources(AIService.class).inAnyNamespace().inform(),
        client.services().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.OPERATOR).inform(),
        client.configMaps().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.OPERATOR).inform(),
        client.network().v1().ingresses().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.OPERATOR).inform(),
        client.resources(io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate.class).inAnyNamespace()
            .withLabel(Labels.MANAGED_BY, Labels.OPERATOR).inform(),
        client.pods().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.OPERATOR).inform(),
        client.resources(de.dhoch3.aiservices.api.AIModel.class).inAnyNamespace().inform(),
        client.batch().v1().jobs().inAnyNamespace().withLabelSelector(models).inform(),
        client.pods().inAnyNamespace().withLabelSelector(models).inform());
  }

  private record RollingOut(AIService ai, Workload workload) {}

  /** The user's create, the owned objects, the status "rolling out" (computed as the operator computes it). */
  private static RollingOut rollingOut(KubernetesClient client, OperatorConfig config, int i) {
    AIService created = client.resource(aiservice(i)).create();
    Workload workload = WorkloadBuilder.build(created, config);
    Deployment deployment = null;
    for (HasMetadata object : workload.objects()) {
      HasMetadata written = client.resource(object).create();
      if (written instanceof Deployment d) {
        deployment = d;
      }
    }
    created.setStatus(StatusCalculator.running(created, workload, deployment, List.of(), Instant.now()));
    return new RollingOut(client.resource(created).updateStatus(), workload);
  }

  /** The status "ready" and the Event the operator records with it. */
  private static AIService ready(KubernetesClient client, EventRecorder events, RollingOut rolling, Deployment deployment) {
    AIService ai = rolling.ai();
    AIServiceStatus status = StatusCalculator.running(ai, rolling.workload(), deployment, List.of(), Instant.now());
    String message = StatusCalculator.find(status, StatusCalculator.READY)
        .filter(c -> "True".equals(c.getStatus()) && StatusCalculator.REASON_AVAILABLE.equals(c.getReason()))
        .orElseThrow(() -> new IllegalStateException(ai.getMetadata().getName() + " not ready though its Deployment is available: " + status.conditions))
        .getMessage();
    events.normal(ai, StatusCalculator.REASON_AVAILABLE, message);
    ai.setStatus(status);
    return client.resource(ai).updateStatus();
  }

  /** Rolled out and available as the Deployment controller reports it (what the Ready condition asks for). */
  static boolean isAvailable(Deployment d) {
    var status = d.getStatus();
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    return status != null && status.getObservedGeneration() != null
        && status.getObservedGeneration() >= Objects.requireNonNullElse(d.getMetadata().getGeneration(), 0L)
        && Objects.requireNonNullElse(status.getUpdatedReplicas(), 0) >= replicas
        && Objects.requireNonNullElse(status.getAvailableReplicas(), 0) >= replicas;
  }

  /**
   * The API server's round trip on the same server the operator runs against: one create of a
   * ConfigMap until an informer on the namespace sees it, one after the other.
   */
  private List<Long> roundTrips(KubernetesClient user) throws Exception {
    Map<String, Long> seen = new ConcurrentHashMap<>();
    SharedIndexInformer<ConfigMap> informer = user.configMaps().inNamespace(NS).withLabel("bench", "roundtrip")
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(ConfigMap cm) {
            seen.putIfAbsent(cm.getMetadata().getName(), System.nanoTime());
          }

          @Override
          public void onUpdate(ConfigMap old, ConfigMap cm) {}

          @Override
          public void onDelete(ConfigMap cm, boolean unknown) {}
        });
    try {
      List<Long> samples = new ArrayList<>();
      for (int i = 0; i < roundTrips; i++) {
        String name = "roundtrip-" + i;
        long begin = System.nanoTime();
        user.resource(new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS).addToLabels("bench", "roundtrip").endMetadata()
            .addToData("sample", String.valueOf(i)).build()).create();
        samples.add(microsUntilSeen(seen, name, begin));
      }
      return samples;
    } finally {
      informer.close();
    }
  }

  /**
   * The server's round trip for the two writes a spec change consists of, each a plain update
   * until an informer sees it: an AIService update by the user (a label, so that the operator has
   * nothing to do), and an update of a Deployment like the operator's (a copy of an owned one, in
   * a namespace of its own and without the operator's labels, its container's env changed).
   */
  private void changeRoundTrips(KubernetesClient user) throws Exception {
    Map<String, Long> seen = new ConcurrentHashMap<>();
    SharedIndexInformer<AIService> aiservices = user.resources(AIService.class).inNamespace(NS).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(AIService ai) {}

      @Override
      public void onUpdate(AIService old, AIService ai) {
        String sample = ai.getMetadata().getLabels() == null ? null : ai.getMetadata().getLabels().get("bench-roundtrip");
        if (sample != null) {
          seen.putIfAbsent("aiservice=" + sample, System.nanoTime());
        }
      }

      @Override
      public void onDelete(AIService ai, boolean unknown) {}
    });
    String rtNamespace = NS + "-roundtrip";
    if (user.namespaces().withName(rtNamespace).get() == null) {
      user.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(rtNamespace).endMetadata().build()).create();
    }
    Deployment owned = user.apps().deployments().inNamespace(NS).withName(name(0)).get();
    Deployment copy = new DeploymentBuilder().withNewMetadata().withName("roundtrip").withNamespace(rtNamespace).endMetadata()
        .withSpec(owned.getSpec()).build();
    copy.getSpec().getTemplate().getMetadata().setLabels(Map.of("app", "roundtrip"));
    copy.getSpec().setSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addToMatchLabels("app", "roundtrip").build());
    user.resource(copy).create();
    SharedIndexInformer<Deployment> deployments = envWatch(user, rtNamespace, "BENCH_ROUNDTRIP", d -> "deployment", seen);
    try {
      List<Long> aiSamples = new ArrayList<>();
      List<Long> deploymentSamples = new ArrayList<>();
      for (int i = 0; i < roundTrips; i++) {
        AIService ai = user.resources(AIService.class).inNamespace(NS).withName(name(i % count)).get();
        Map<String, String> labels = new java.util.HashMap<>(ai.getMetadata().getLabels() == null ? Map.of() : ai.getMetadata().getLabels());
        labels.put("bench-roundtrip", String.valueOf(i));
        ai.getMetadata().setLabels(labels);
        long begin = System.nanoTime();
        user.resource(ai).update();
        aiSamples.add(microsUntilSeen(seen, "aiservice=" + i, begin));

        Deployment d = user.apps().deployments().inNamespace(rtNamespace).withName("roundtrip").get();
        List<EnvVar> env = new ArrayList<>(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv() == null ? List.of()
            : d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv());
        env.removeIf(e -> e.getName().equals("BENCH_ROUNDTRIP"));
        env.add(new EnvVar("BENCH_ROUNDTRIP", String.valueOf(i), null));
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(env);
        begin = System.nanoTime();
        user.resource(d).update();
        deploymentSamples.add(microsUntilSeen(seen, "deployment=" + i, begin));
      }
      report.aiUpdateRoundTripsMicros = aiSamples;
      report.deploymentUpdateRoundTripsMicros = deploymentSamples;
    } finally {
      aiservices.close();
      deployments.close();
    }
  }

  /** The operator in its own JVM: start time, and heap after GC with N AIServices, then with unrelated objects added. */
  private void memoryAndStartRun() throws Exception {
    // with the Deployment controller, as on a cluster: the steady state is N AIServices Ready, not N rolling out
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); KubernetesClient user = cluster.newClient();
        SimulatedDeploymentController simulation = new SimulatedDeploymentController(cluster.newClient())) {
      cluster.ensureNamespace(NS);
      cluster.ensureNamespace("unrelated");
      simulation.start();
      AIServiceWatch watch = new AIServiceWatch(user);
      // each start until a new AIService is reconciled: plain java -jar (no archive, the JVM's defaults) first,
      // which also warms this JVM's API server (a real one is a long-running process), then as shipped
      List<Long> plainStarts = new ArrayList<>();
      List<Long> shippedStarts = new ArrayList<>();
      int created = 0;
      for (int i = 0; i < Math.max(1, starts); i++) {
        user.resource(aiservice(created)).create();
        try (ChildOperator plain = ChildOperator.start(cluster.client().getConfiguration(), false, List.of())) {
          watch.awaitOne(name(created++), Benchmark::reconciled, timeout);
          plainStarts.add(Duration.between(plain.startedAt(), Instant.now()).toMillis());
          plain.assertNoStandInLoggers();
        }
      }
      for (int i = 0; i < Math.max(1, starts) - 1; i++) {
        user.resource(aiservice(created)).create();
        try (ChildOperator shipped = ChildOperator.start(cluster.client().getConfiguration(), true, javaOptions)) {
          watch.awaitOne(name(created++), Benchmark::reconciled, timeout);
          shippedStarts.add(Duration.between(shipped.startedAt(), Instant.now()).toMillis());
          shipped.assertNoStandInLoggers();
        }
      }
      // the last start as shipped stays for the memory figures
      user.resource(aiservice(created)).create();
      try (ChildOperator child = ChildOperator.start(cluster.client().getConfiguration(), true, javaOptions)) {
        watch.awaitOne(name(created++), Benchmark::reconciled, timeout);
        shippedStarts.add(Duration.between(child.startedAt(), Instant.now()).toMillis());
        child.assertNoStandInLoggers();
        report.startProcessToFirstReconcileMs = Report.median(plainStarts);
        report.startWithCdsMs = Report.median(shippedStarts);
        report.cdsArchive = child.cdsArchive();
        progress("start (ms, each start) plain " + plainStarts + ", as shipped " + shippedStarts + " (" + report.cdsArchive
            + ", " + String.join(" ", javaOptions) + ")");

        long begin = System.nanoTime();
        int first = created;
        parallel(count - first, i -> user.resource(aiservice(i + first)).create());
        watch.await(count, RECONCILED, timeout);
        report.childReconciledMs = ms(begin);
        // the figure is the steady state: what the caches hold once the last events and writes are through. A fixed
        // pause was not enough: at 10,000 the C1-only process was still working off its watches' backlog, whose
        // buffered bytes then counted as heap (78 MB of byte arrays against 19 MB once idle)
        child.awaitQuiet(timeout);
        report.heapWithNKiB = child.heapAfterGcKiB();
        progress("operator heap " + report.heapWithNKiB / 1024 + " MiB");
        if (heapHistogram != null) {
          java.nio.file.Files.writeString(heapHistogram, child.classHistogram());
        }

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
        child.awaitQuiet(timeout);
        report.heapWithUnrelatedKiB = child.heapAfterGcKiB();
      } finally {
        watch.close();
      }
    }
  }

  /**
   * Single spec changes, one after the other, each until a watch sees the Deployment carry it;
   * also where each change's time goes: the user's edit until the operator's informer has the
   * event, the event until the reconcile starts (JOSDK's queue and executor), the reconcile until
   * the Deployment update is sent (desired state, checks, diff), and that update until the watch sees it.
   */
  private List<Long> singleChanges(KubernetesClient user, ReconcileCounter reconciles, RequestCounter requests) throws Exception {
    Map<String, Long> seen = new ConcurrentHashMap<>();
    SharedIndexInformer<Deployment> deployments = envWatch(user, NS, "BENCH_CHANGE", d -> d.getMetadata().getName(), seen);
    try {
      Random random = new Random(42);
      List<Long> latencies = new ArrayList<>();
      for (int change = 0; change < changes; change++) {
        String name = name(random.nextInt(count));
        String key = name + "=" + change;
        String value = String.valueOf(change);
        reconciles.trace(name);
        requests.traceUpdate("/deployments/" + name);
        long[] edit = editSpec(user, name, value);
        long begin = edit[0];
        long micros = microsUntilSeen(seen, key, begin);
        latencies.add(micros);
        long event = reconciles.tracedEventAt();
        long start = reconciles.tracedStartAt();
        long write = requests.tracedUpdateAt();
        if (event > 0 && start > 0 && write > 0) {
          report.changeSteps.add(new long[] {
              TimeUnit.NANOSECONDS.toMicros(edit[1] - begin), TimeUnit.NANOSECONDS.toMicros(event - begin),
              TimeUnit.NANOSECONDS.toMicros(start - event), TimeUnit.NANOSECONDS.toMicros(write - start),
              micros - TimeUnit.NANOSECONDS.toMicros(write - begin)});
        }
      }
      return latencies;
    } finally {
      deployments.close();
    }
  }

  /** Notes in {@code seen}, as "key=value", when a Deployment of the namespace first carries each value of the env variable. */
  private static SharedIndexInformer<Deployment> envWatch(KubernetesClient user, String namespace, String variable,
      java.util.function.Function<Deployment, String> key, Map<String, Long> seen) {
    return user.apps().deployments().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Deployment d) {}

      @Override
      public void onUpdate(Deployment old, Deployment d) {
        var env = d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        if (env != null) {
          env.stream().filter(e -> e.getName().equals(variable)).forEach(e -> seen.putIfAbsent(key.apply(d) + "=" + e.getValue(), System.nanoTime()));
        }
      }

      @Override
      public void onDelete(Deployment d, boolean unknown) {}
    });
  }

  /** From {@code begin} until a watch handler recorded {@code key} in {@code seen} (its own clock reading), in µs; the timeout if never. */
  private long microsUntilSeen(Map<String, Long> seen, String key, long begin) throws InterruptedException {
    long deadline = begin + timeout.toNanos();
    while (!seen.containsKey(key) && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    return TimeUnit.NANOSECONDS.toMicros(seen.getOrDefault(key, deadline) - begin);
  }

  /**
   * Changes one AIService's spec as kubectl edit or replace would (read, then a plain update with
   * the read resourceVersion), again after a conflict with the operator's own status write
   * (bounded); returns when the accepted update was sent and when it was answered.
   */
  private static long[] editSpec(KubernetesClient user, String name, String value) {
    for (int attempt = 1; ; attempt++) {
      // read first, untimed (as kubectl edit reads before the user edits): the change starts with its write
      AIService ai = user.resources(AIService.class).inNamespace(NS).withName(name).get();
      ai.getSpec().env = List.of(new EnvVar("BENCH_CHANGE", value, null));
      long begin = System.nanoTime();
      try {
        user.resource(ai).update();
        return new long[] {begin, System.nanoTime()};
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  /** A figure as soon as it is measured, so a run stopped early still tells something (the table follows at the end). */
  private static void progress(String figure) {
    System.out.println("# " + java.time.LocalTime.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS) + " " + figure);
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
    if (Catalog.profile(ai.getSpec().app).defaults().image() == null) {
      // apps without a usable public image are refused without one; the benchmark names a stand-in (nothing pulls it)
      ai.getSpec().image = "registry.example.com/bench/" + ai.getSpec().app.value() + ":1";
    }
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

  /**
   * CPU per thread at one moment, to tell where a run's CPU went: {@link #since} gives each thread
   * group's (name, digits left out) CPU since then, and the rest of the process' CPU (garbage
   * collector and compiler threads, which are not Java threads, and threads that ended).
   */
  record ThreadCpu(Map<Long, Long> nanosByThread, long processMs, long gcMs) {
    static ThreadCpu now() {
      java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      Map<Long, Long> byThread = new HashMap<>();
      for (long id : threads.getAllThreadIds()) {
        byThread.put(id, Math.max(0, threads.getThreadCpuTime(id)));
      }
      return new ThreadCpu(byThread, cpuMillis(), gcMillis());
    }

    Usage since() {
      java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      Map<String, Long> byGroup = new java.util.TreeMap<>();
      for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
        if (info != null) {
          long ms = (Math.max(0, threads.getThreadCpuTime(info.getThreadId())) - nanosByThread.getOrDefault(info.getThreadId(), 0L)) / 1_000_000;
          if (ms > 0) {
            byGroup.merge(info.getThreadName().replaceAll("\\d+", "N"), ms, Long::sum);
          }
        }
      }
      return new Usage(byGroup, cpuMillis() - processMs, gcMillis() - gcMs);
    }
  }

  /** A run's CPU by thread group, the whole process' and the collectors' time (ms). */
  record Usage(Map<String, Long> byGroup, long processMs, long gcMs) {
    /** The in-process API server's threads (the mock server runs on Vert.x). */
    static final String SERVER_THREADS = "vert.x-eventloop-thread-N";

    long server() {
      return byGroup.getOrDefault(SERVER_THREADS, 0L);
    }

    @Override
    public String toString() {
      long threadsMs = byGroup.values().stream().mapToLong(Long::longValue).sum();
      return byGroup.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
          .map(e -> e.getKey() + "=" + e.getValue()).toList() + ", rest (GC, JIT, ended threads) " + (processMs - threadsMs)
          + " of " + processMs + " ms; the collector's time " + gcMs + " ms";
    }
  }

  /** Time the garbage collectors report (pauses and, for G1, concurrent cycles), so far. */
  static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(gc -> Math.max(0, gc.getCollectionTime())).sum();
  }

  /** CPU time of this whole process (server, clients, operator) so far. */
  static long cpuMillis() {
    return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime() / 1_000_000;
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

    private volatile String traced;
    private final AtomicLong tracedEventAt = new AtomicLong();
    private final AtomicLong tracedStartAt = new AtomicLong();

    /** From now on, notes when the first event for the AIService {@code name} arrives and when its reconcile first starts. */
    void trace(String name) {
      tracedEventAt.set(0);
      tracedStartAt.set(0);
      traced = name;
    }

    @Override
    public void receivedEvent(io.javaoperatorsdk.operator.processing.event.Event event, Map<String, Object> metadata) {
      if (Objects.equals(traced, event.getRelatedCustomResourceID().getName())) {
        tracedEventAt.compareAndSet(0, System.nanoTime());
      }
    }

    @Override
    public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
      if (Objects.equals(traced, resource.getMetadata().getName())) {
        tracedStartAt.compareAndSet(0, System.nanoTime());
      }
    }

    long tracedEventAt() {
      return tracedEventAt.get();
    }

    long tracedStartAt() {
      return tracedStartAt.get();
    }
  }

  /** The two conditions the benchmark waits for on all AIServices (see AIServiceWatch). */
  static final Predicate<AIService> RECONCILED = Benchmark::reconciled;
  static final Predicate<AIService> READY = Benchmark::ready;

  /**
   * The benchmark's observer of the AIServices' status. It counts as the events come (each event
   * checks both conditions once), so it costs the same in the operator's run as in the baseline's:
   * looking at all N every 100 ms cost the operator's run alone (the baseline waits on its own
   * writes first) 7 % of the process' CPU samples at 10,000.
   */
  static final class AIServiceWatch implements AutoCloseable {
    private final Map<String, AIService> latest = new ConcurrentHashMap<>();
    private final Map<Predicate<AIService>, Set<String>> satisfying = Map.of(RECONCILED, ConcurrentHashMap.newKeySet(),
        READY, ConcurrentHashMap.newKeySet());
    private final SharedIndexInformer<AIService> informer;

    AIServiceWatch(KubernetesClient client) {
      informer = client.resources(AIService.class).inNamespace(NS).inform(new ResourceEventHandler<>() {
        @Override
        public void onAdd(AIService ai) {
          seen(ai);
        }

        @Override
        public void onUpdate(AIService old, AIService ai) {
          seen(ai);
        }

        @Override
        public void onDelete(AIService ai, boolean unknown) {
          latest.remove(ai.getMetadata().getName());
          satisfying.values().forEach(names -> names.remove(ai.getMetadata().getName()));
        }
      });
    }

    private void seen(AIService ai) {
      String name = ai.getMetadata().getName();
      latest.put(name, ai);
      satisfying.forEach((condition, names) -> {
        if (condition.test(ai)) {
          names.add(name);
        } else {
          names.remove(name);
        }
      });
    }

    void awaitOne(String name, Predicate<AIService> condition, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        AIService ai = latest.get(name);
        if (ai != null && condition.test(ai)) {
          return;
        }
        Thread.sleep(5);
      }
      throw new IllegalStateException("timed out waiting for AIService " + name);
    }

    /** {@code condition}: RECONCILED or READY, the conditions counted as the events come. */
    void await(int expected, Predicate<AIService> condition, Duration timeout) throws InterruptedException {
      Set<String> names = satisfying.get(condition);
      if (names == null) {
        throw new IllegalArgumentException("only RECONCILED and READY are counted");
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (names.size() >= expected) {
          return;
        }
        Thread.sleep(10);
      }
      List<String> missing = latest.values().stream().filter(condition.negate()).limit(3)
          .map(ai -> ai.getMetadata().getName() + " (" + ai.getSpec().app + "): " + (ai.getStatus() == null ? "no status" : ai.getStatus().conditions))
          .toList();
      throw new IllegalStateException("timed out waiting for " + expected + " AIServices; "
          + latest.values().stream().filter(condition).count() + " there; for instance " + missing);
    }

    @Override
    public void close() {
      informer.close();
    }
  }
}
