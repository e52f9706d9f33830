package de.dhoch3.aiservices.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The benchmark's inputs and arithmetic; nothing here measures or asserts a time. */
class BenchmarkTest {
  @Test
  void theFairRatioIsTheMedianOfTheRoundsAndOfAnEvenNumberTheMeanOfTheMiddleTwo() {
    Report odd = new Report();
    odd.rounds.add(new long[] {1300, 1000, 0, 0});
    odd.rounds.add(new long[] {1000, 1000, 0, 0});
    odd.rounds.add(new long[] {1100, 1000, 0, 0});
    assertThat(odd.fairRatio()).isCloseTo(1.10, org.assertj.core.data.Offset.offset(1e-9));
    // two rounds, one of each order (operator first, baseline first): neither alone
    Report even = new Report();
    even.rounds.add(new long[] {1200, 1000, 0, 0});
    even.rounds.add(new long[] {1000, 1000, 0, 0});
    assertThat(even.fairRatio()).isCloseTo(1.10, org.assertj.core.data.Offset.offset(1e-9));
  }

  /**
   * The CPU per server CPU leaves out how fast the machine was: a round where everything ran 40 %
   * slower (the server's CPU too, for the same requests) counts as a round at the same speed.
   */
  @Test
  void theCpuPerServerCpuRatioLeavesOutTheMachinesSpeed() {
    Report report = new Report();
    // operator CPU, baseline CPU, operator run's server CPU, baseline run's server CPU
    report.rounds.add(new long[] {0, 0, 14000, 10000, 4200, 3000});   // all 40 % slower in the operator's run: 1.00
    report.rounds.add(new long[] {0, 0, 11000, 10000, 3000, 3000});   // 10 % more at the same speed: 1.10
    report.rounds.add(new long[] {0, 0, 12600, 10000, 3500, 3000});   // (12600 / 3500) / (10000 / 3000): 1.08
    // the median 1.08; the plain CPU ratios (1.40, 1.10, 1.26) or the servers swapped (1.96, 1.10, 1.47) give another
    assertThat(report.cpuPerServerCpuRatio()).isCloseTo(1.08, org.assertj.core.data.Offset.offset(1e-9));
    Report even = new Report();
    even.rounds.add(new long[] {0, 0, 12000, 10000, 3000, 3000});     // 1.20
    even.rounds.add(new long[] {0, 0, 10000, 10000, 3000, 3000});     // 1.00
    assertThat(even.cpuPerServerCpuRatio()).isCloseTo(1.10, org.assertj.core.data.Offset.offset(1e-9));
  }

  /** Where a run's CPU went: a thread's CPU before the snapshot does not count, what it used after does. */
  @Test
  void theCpuByThreadGroupCountsOnlyWhatWasUsedSinceTheSnapshot() throws Exception {
    Runnable spin = () -> {
      long until = System.nanoTime() + 300_000_000L;
      double x = 0;
      while (System.nanoTime() < until) {
        x += Math.sqrt(x + 1);
      }
      if (x < 0) {
        throw new AssertionError();
      }
    };
    Thread before = new Thread(spin, "bench-test-before-1");
    before.start();
    before.join();
    Thread still = new Thread(() -> {
      spin.run();
      java.util.concurrent.locks.LockSupport.parkNanos(2_000_000_000L);
    }, "bench-test-still-1");
    still.start();
    Thread.sleep(400);   // its spin is done, before the snapshot
    Benchmark.ThreadCpu snapshot = Benchmark.ThreadCpu.now();
    Thread after = new Thread(() -> {
      spin.run();
      java.util.concurrent.locks.LockSupport.parkNanos(2_000_000_000L);
    }, "bench-test-after-1");
    after.start();
    Thread.sleep(500);
    Benchmark.Usage usage = snapshot.since();
    // 300 ms of spinning, measured by the thread's own CPU clock: at least 100 on a loaded machine
    assertThat(usage.byGroup().get("bench-test-after-N")).isGreaterThanOrEqualTo(100L);
    assertThat(usage.byGroup().getOrDefault("bench-test-still-N", 0L)).isLessThan(50L);
    assertThat(usage.byGroup()).doesNotContainKey("bench-test-before-N");
    assertThat(usage.processMs()).isGreaterThanOrEqualTo(usage.byGroup().get("bench-test-after-N"));
    still.interrupt();
    after.interrupt();
  }

  @Test
  void everyAIServiceTheBenchmarkCreatesIsValidSoAllOfThemCanConverge() {
    OperatorConfig config = OperatorConfig.defaults();
    IntStream.range(0, 2 * App.values().length).forEach(i ->
        assertThatCode(() -> WorkloadBuilder.build(Benchmark.aiservice(i), config))
            .as(Benchmark.aiservice(i).getSpec().app.value()).doesNotThrowAnyException());
  }

  @Test
  void theStartAsShippedUsesTheChartsJavaOptionsAndItsMemoryLimit() throws Exception {
    var values = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
        .readTree(java.nio.file.Path.of(System.getProperty("repo.root", ".."), "helm", "aiservice-operator", "values.yaml").toFile());
    // the chart's own words, not the benchmark's: a change of the chart's JVM options moves the benchmark with it
    assertThat(Benchmark.SHIPPED_JAVA_OPTIONS).containsAll(List.of(values.get("javaOptions").asText().split(" ")));
    assertThat(values.at("/resources/limits/memory").asText()).isEqualTo("512Mi");
    assertThat(Benchmark.SHIPPED_JAVA_OPTIONS).contains("-XX:MaxRAM=512m");
    assertThat(new Benchmark().javaOptions).isEqualTo(Benchmark.SHIPPED_JAVA_OPTIONS);
    // and the chart's arguments that change how the operator starts: leader election
    String deployment = java.nio.file.Files.readString(
        java.nio.file.Path.of(System.getProperty("repo.root", ".."), "helm", "aiservice-operator", "templates", "deployment.yaml"));
    assertThat(deployment).contains("- --leader-election");
    assertThat(ChildOperator.SHIPPED_ARGUMENTS).contains("--leader-election");
  }

  /**
   * The pod (512 MiB limit) and the benchmark (-XX:MaxRAM on a large machine) must run the same
   * collector, and one that maps the class archive's heap objects: a JVM that counts as no "server
   * class machine" (the pod: under 1792 MiB) picks Serial by itself, and JDK 17 then ignores the
   * archived heap ("CDS heap data is being ignored"), a slower start than the benchmark measured.
   * Asked of the JVM itself; the first case shows the check can see the difference.
   */
  @Test
  void thePodAndTheBenchmarkRunTheCollectorThatUsesTheArchivedHeap() throws Exception {
    var values = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
        .readTree(java.nio.file.Path.of(System.getProperty("repo.root", ".."), "helm", "aiservice-operator", "values.yaml").toFile());
    List<String> chart = List.of(values.get("javaOptions").asText().split(" "));
    // the pod's JVM: not a server-class machine (its memory limit)
    // (a JDK with its default class archive also says "CDS heap data is being ignored" here)
    assertThat(jvmSays(List.of("-XX:+NeverActAsServerClassMachine"))).contains("Using Serial");
    List<String> pod = new java.util.ArrayList<>(chart);
    pod.add("-XX:+NeverActAsServerClassMachine");
    // its heap sized by the 512 MiB limit (on a host of 46 GiB or more, 70 % of the host's memory would
    // switch compressed pointers off, and with them the archived heap)
    pod.add("-XX:MaxRAM=512m");
    assertThat(jvmSays(pod)).contains("Using G1").doesNotContain("CDS heap data is being ignored");
    assertThat(jvmSays(Benchmark.SHIPPED_JAVA_OPTIONS)).contains("Using G1").doesNotContain("CDS heap data is being ignored");
  }

  private static String jvmSays(List<String> options) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options);
    command.addAll(List.of("-Xlog:gc", "-Xlog:cds", "-version"));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(output).isZero();
    return output;
  }

  @Test
  void theOperatorProcessStartIsTakenWhenItWasForkedNotFromTheSystemsBootClock() throws Exception {
    java.time.Instant before = java.time.Instant.now();
    var server = new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl("http://127.0.0.1:9/").build();
    try (ChildOperator child = ChildOperator.start(server, false, List.of("-Xmx64m"))) {
      java.time.Instant after = java.time.Instant.now();
      // Linux's own start instant of a process was 0.87 s before this fork on the build machine
      assertThat(child.startedAt()).isBetween(before, after);
    }
  }

  @Test
  void theOperatorProcessIsQuietBelowOneTwentiethOfACore() {
    assertThat(ChildOperator.isQuiet(3_000_000_000L, 149_000_000L)).isTrue();
    assertThat(ChildOperator.isQuiet(3_000_000_000L, 150_000_000L)).isFalse();
    assertThat(ChildOperator.isQuiet(3_000_000_000L, 2_000_000_000L)).isFalse();
  }

  @Test
  void theLastLineHasTheAgreedFormWithMedianLatencyOverMedianRoundTrip() {
    Report report = new Report();
    report.convergenceRequests = Map.of("create", 35L, "get", 25L, "update", 20L, "list", 6L, "watch", 6L, "discovery", 1L);
    report.idleRequests = Map.of("get", 3L);
    report.readyMs = 7000;
    report.fairBaselineMs = 2000;
    report.roundTripsMicros = List.of(4000L, 5000L, 6000L);
    report.changeLatenciesMicros = List.of(30000L, 20000L, 90000L);

    assertThat(report.summary(10))
        .isEqualTo("requests/AIService 9.30, gets 25, idle writes 0, fair ratio 3.50, latency x-roundtrip 6.00");
  }

  @Test
  void withTheChangesOwnWritesMeasuredTheRoundTripIsTheMeanOfTheirMedians() {
    Report report = new Report();
    report.roundTripsMicros = List.of(1000L, 1000L, 1000L);              // a ConfigMap create: not used when the others are there
    report.aiUpdateRoundTripsMicros = List.of(3000L, 4000L, 90000L);     // median 4 ms
    report.deploymentUpdateRoundTripsMicros = List.of(6000L, 2000L, 8000L); // median 6 ms
    report.changeLatenciesMicros = List.of(20000L, 15000L, 40000L);      // median 20 ms = 4 x 5 ms

    assertThat(report.summary(10)).endsWith("latency x-roundtrip 4.00");
  }

  @Test
  void theFairRatioIsTheMedianOfTheRoundsRatios() {
    Report report = new Report();
    report.readyMs = 9000;   // the last round's figures alone would give 4.50
    report.fairBaselineMs = 2000;
    report.rounds.add(new long[] {3000, 2000, 0, 0});   // 1.50
    report.rounds.add(new long[] {2000, 2000, 0, 0});   // 1.00
    report.rounds.add(new long[] {9000, 2000, 0, 0});   // 4.50

    assertThat(report.summary(10)).contains("fair ratio 1.50,");
  }

  @Test
  void percentilesComeFromTheSortedSamples() {
    List<Long> samples = IntStream.rangeClosed(1, 100).mapToObj(i -> (long) (101 - i)).toList();
    assertThat(Report.median(samples)).isEqualTo(51);
    assertThat(Report.p99(samples)).isEqualTo(99);
    assertThat(Report.p99(List.of(7L))).isEqualTo(7);
  }

  @Test
  void discoveryRequestsAreNotCountedAsGetsOfObjects() {
    assertThat(RequestCounter.isDiscovery("/apis/resource.k8s.io/v1")).isTrue();
    assertThat(RequestCounter.isDiscovery("/api/v1")).isTrue();
    assertThat(RequestCounter.isDiscovery("/version")).isTrue();
    assertThat(RequestCounter.isDiscovery("/api/v1/namespaces/bench")).isFalse();
    assertThat(RequestCounter.isDiscovery("/apis/apps/v1/namespaces/bench/deployments/app-00001")).isFalse();
    assertThat(RequestCounter.isCollection("/apis/ai.dhoch3.de/v1alpha1/aimodels")).isTrue();
    assertThat(RequestCounter.isCollection("/apis/batch/v1/namespaces/bench/jobs")).isTrue();
    assertThat(RequestCounter.isCollection("/api/v1/namespaces")).isTrue();
    assertThat(RequestCounter.isCollection("/api/v1/namespaces/bench")).isFalse();
    assertThat(RequestCounter.isCollection("/api/v1/namespaces/bench/configmaps/app-00001")).isFalse();
    assertThat(RequestCounter.isCollection("/apis/apps/v1/namespaces/bench/deployments/app-00001/status")).isFalse();
  }

  /** jcmd GC.heap_info in the format JDK 17 prints per collector (HotSpot's print_on of each heap; the numbers made up). */
  @org.junit.jupiter.api.Test
  void theHeapInUseIsReadForEveryCollector() {
    org.assertj.core.api.Assertions.assertThat(ChildOperator.usedKiB("""
        12345:
         garbage-first heap   total 262144K, used 171008K [0x00000000c0000000, 0x0000000100000000)
          region size 1024K, 3 young (3072K), 0 survivors (0K)
         Metaspace       used 51234K, committed 51840K, reserved 1097728K
          class space    used 6543K, committed 6784K, reserved 1048576K
        """)).isEqualTo(171008);
    org.assertj.core.api.Assertions.assertThat(ChildOperator.usedKiB("""
        12345:
         def new generation   total 39296K, used 1100K [0x00000000c0000000, 0x00000000c2aa0000, 0x00000000d5550000)
          eden space 34944K,   3% used [0x00000000c0000000, 0x00000000c0113358, 0x00000000c2220000)
         tenured generation   total 87424K, used 60000K [0x00000000d5550000, 0x00000000daab0000, 0x0000000100000000)
           the space 87424K,  68% used [0x00000000d5550000, 0x00000000d9142d28, 0x00000000d9142e00, 0x00000000daab0000)
         Metaspace       used 51234K, committed 51840K, reserved 1097728K
        """)).isEqualTo(61100);
    org.assertj.core.api.Assertions.assertThat(ChildOperator.usedKiB("""
         PSYoungGen      total 76288K, used 2000K [0x00000000eab00000, 0x00000000f0000000, 0x0000000100000000)
         ParOldGen       total 175104K, used 50000K [0x00000000c0000000, 0x00000000cab00000, 0x00000000eab00000)
         Metaspace       used 51234K, committed 51840K, reserved 1097728K
        """)).isEqualTo(52000);
  }

  /**
   * The fair baseline holds the watches the operator holds, path and selector alike: the in-process server
   * matches every event against every watch, so a baseline with fewer watches is a cheaper server, not a
   * fairer one. Both sides observed as sent (an interceptor on each client), the operator's from its start.
   */
  @Test
  void theFairBaselineHoldsTheOperatorsWatches() throws Exception {
    try (var cluster = de.dhoch3.aiservices.embedded.EmbeddedCluster.start()) {
      RequestCounter operatorRequests = new RequestCounter();
      RequestCounter baselineRequests = new RequestCounter();
      try (var operatorClient = counted(cluster, operatorRequests); var baselineClient = counted(cluster, baselineRequests)) {
        var operator = de.dhoch3.aiservices.reconcile.AIServiceOperator.create(operatorClient, OperatorConfig.defaults());
        operator.start();
        List<io.fabric8.kubernetes.client.informers.SharedIndexInformer<?>> baseline = Benchmark.operatorsWatches(baselineClient,
            new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
              @Override
              public void onAdd(io.fabric8.kubernetes.api.model.apps.Deployment d) {}

              @Override
              public void onUpdate(io.fabric8.kubernetes.api.model.apps.Deployment old, io.fabric8.kubernetes.api.model.apps.Deployment d) {}

              @Override
              public void onDelete(io.fabric8.kubernetes.api.model.apps.Deployment d, boolean unknown) {}
            });
        try {
          // every watch is sent once its list is through: wait until both sides have sent theirs
          org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).pollDelay(java.time.Duration.ofMillis(500))
              .until(() -> !operatorRequests.watches().isEmpty() && operatorRequests.watches().equals(baselineRequests.watches()));
        } catch (org.awaitility.core.ConditionTimeoutException different) {
          assertThat(baselineRequests.watches()).as("the fair baseline's watches").isEqualTo(operatorRequests.watches());
        } finally {
          baseline.forEach(io.fabric8.kubernetes.client.informers.SharedIndexInformer::close);
          operator.stop();
        }
        // what the operator watches, written down: a watch it drops or adds must be decided here too
        assertThat(operatorRequests.watches()).contains(
            "/apis/apps/v1/deployments?labelSelector=app.kubernetes.io/managed-by=aiservice-operator",
            "/apis/ai.dhoch3.de/v1alpha1/aiservices",
            "/api/v1/pods?labelSelector=app.kubernetes.io/managed-by=aiservice-operator");
      }
    }
  }

  private static io.fabric8.kubernetes.client.KubernetesClient counted(de.dhoch3.aiservices.embedded.EmbeddedCluster cluster, RequestCounter counter) {
    return new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(cluster.client().getConfiguration())
        .withHttpClientBuilderConsumer(builder -> builder.addOrReplaceInterceptor("count", counter)).build();
  }
}
