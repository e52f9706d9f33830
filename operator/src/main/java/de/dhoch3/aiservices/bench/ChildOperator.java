package de.dhoch3.aiservices.bench;

import io.fabric8.kubernetes.api.model.ConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator as its own process (the shipped entry point, "run" against a kubeconfig), so its
 * heap is measured without the in-process API server's objects in it.
 */
final class ChildOperator implements AutoCloseable {
  private static final Pattern HEAP_LINE = Pattern.compile("(?:heap|generation|Gen)\\s+total \\d+K, used (\\d+)K");
  private final Process process;
  private final Instant startedAt;
  private final Path dir;

  private final Path archive;

  private ChildOperator(Process process, Instant startedAt, Path dir, Path archive) {
    this.archive = archive;
    this.process = process;
    this.startedAt = startedAt;
    this.dir = dir;
  }

  /**
   * The class-data-sharing archive the build made beside the jar (operator/pom.xml, exec-maven-plugin
   * "cds-archive"), or null. The JVM accepts it only with the jar it was made from, named the same way
   * (an absolute path), and the same JDK build.
   */
  static Path cdsArchiveBesideJar() {
    Path jar = Path.of(System.getProperty("java.class.path")).toAbsolutePath();
    Path archive = jar.resolveSibling(jar.getFileName().toString().replaceFirst("\\.jar$", "") + ".jsa");
    return jar.toString().endsWith(".jar") && Files.isRegularFile(archive) ? archive : null;
  }

  static ChildOperator start(Config server, boolean cds) throws IOException {
    return start(server, cds, List.of());
  }

  /**
   * The chart's arguments (templates/deployment.yaml): with leader election, as every replica runs, so the
   * first reconcile waits for the Lease like in a cluster; the health server on a free port.
   */
  static final List<String> SHIPPED_ARGUMENTS = List.of("run", "--health-port=0", "--leader-election", "--lease-namespace=" + Benchmark.NS);

  /** {@code javaOptions}: further options of the operator's JVM, e.g. those the Helm chart sets. */
  static ChildOperator start(Config server, boolean cds, List<String> javaOptions) throws IOException {
    Path dir = Files.createTempDirectory("aiservice-bench");
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, Serialization.asYaml(new ConfigBuilder()
        .addNewCluster().withName("embedded").withNewCluster().withServer(server.getMasterUrl()).endCluster().endCluster()
        .addNewUser().withName("bench").withNewUser().withToken("bench").endUser().endUser()
        .addNewContext().withName("embedded").withNewContext().withCluster("embedded").withUser("bench").endContext().endContext()
        .withCurrentContext("embedded")
        .build()), StandardCharsets.UTF_8);
    Path archive = cds ? cdsArchiveBesideJar() : null;
    List<String> command = new java.util.ArrayList<>(List.of(java()));
    if (archive != null) {
      command.add("-XX:SharedArchiveFile=" + archive);
    }
    command.addAll(javaOptions);
    command.addAll(List.of("-cp", Path.of(System.getProperty("java.class.path")).toAbsolutePath().toString(),
        "de.dhoch3.aiservices.cli.Main"));
    command.addAll(SHIPPED_ARGUMENTS);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.redirectErrorStream(true).redirectOutput(dir.resolve("operator.log").toFile());
    // the clock read before the fork, not the process' start instant: Linux gives that in clock ticks since a boot
    // time of whole seconds (/proc/stat btime), and on this build machine it came out 0.87 s before the fork
    Instant startedAt = Instant.now();
    Process process = builder.start();
    return new ChildOperator(process, startedAt, dir, archive);
  }

  /**
   * Fails when the operator logged SLF4J's own warnings: while SLF4J initialises on one thread (the start's
   * warm-up) it hands other threads stand-in loggers and drops what they log. It showed in every plain start
   * (no archive) while the warm-up set logging up second and the main thread did not wait for it.
   */
  void assertNoStandInLoggers() throws IOException {
    String log = Files.readString(dir.resolve("operator.log"), StandardCharsets.UTF_8);
    if (log.contains("SLF4J")) {
      throw new IllegalStateException("the operator's start logged SLF4J's own warnings (log: " + dir.resolve("operator.log") + ")");
    }
  }

  /** The archive this process was started with, or a note why none. */
  String cdsArchive() {
    return archive != null ? archive.getFileName().toString() : "no archive beside the jar: build with mvn package";
  }

  Instant startedAt() {
    return startedAt;
  }

  /**
   * Waits until the operator process has been quiet for {@link #QUIET} (CPU below 5 % of one core),
   * at least that long: nothing is left to work off.
   */
  void awaitQuiet(java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<long[]> samples = new java.util.ArrayList<>();   // {nanoTime, cpu nanos}, oldest first
    while (System.nanoTime() < deadline) {
      long now = System.nanoTime();
      long cpu = process.info().totalCpuDuration().map(java.time.Duration::toNanos)
          .orElseThrow(() -> new IllegalStateException("the operator process' CPU time is not readable"));
      samples.add(new long[] {now, cpu});
      // keep one sample at least QUIET old, none older
      while (samples.size() > 1 && now - samples.get(1)[0] >= QUIET.toNanos()) {
        samples.remove(0);
      }
      long[] oldest = samples.get(0);
      if (now - oldest[0] >= QUIET.toNanos() && isQuiet(now - oldest[0], cpu - oldest[1])) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("the operator process did not become quiet within " + timeout + " (log: " + dir.resolve("operator.log") + ")");
  }

  static final java.time.Duration QUIET = java.time.Duration.ofSeconds(3);

  /** Less than 5 % of one core over the interval. */
  static boolean isQuiet(long intervalNanos, long cpuNanos) {
    return cpuNanos * 20 < intervalNanos;
  }

  /** Heap in use after a full GC of the operator process, in KiB. */
  long heapAfterGcKiB() throws IOException, InterruptedException {
    jcmd("GC.run");
    jcmd("GC.run");   // a second full collection: what the first left for finalization and reference processing goes too
    return usedKiB(jcmd("GC.heap_info"));
  }

  /**
   * The heap in use from jcmd GC.heap_info: G1 prints one "garbage-first heap ... used NK" line, the
   * Serial and Parallel collectors one line per generation ("def new generation", "tenured generation",
   * "PSYoungGen", "ParOldGen"), which add up; metaspace is no heap.
   */
  static long usedKiB(String info) {
    long used = 0;
    boolean found = false;
    for (String line : info.split("\n")) {
      Matcher m = HEAP_LINE.matcher(line);
      if (m.find()) {
        used += Long.parseLong(m.group(1));
        found = true;
      }
    }
    if (!found) {
      throw new IllegalStateException("jcmd GC.heap_info printed no heap usage: " + info);
    }
    return used;
  }

  /** The live objects of the operator process by class (jcmd GC.class_histogram), for where the heap goes. */
  String classHistogram() throws IOException, InterruptedException {
    return jcmd("GC.class_histogram");
  }

  private String jcmd(String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(java()).resolveSibling("jcmd");
    Process run = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), command).redirectErrorStream(true).start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!run.waitFor(60, TimeUnit.SECONDS) || run.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + command + " failed: " + output + " (operator log: " + dir.resolve("operator.log") + ")");
    }
    return output;
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

}
