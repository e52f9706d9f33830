package de.dhoch3.aiservices.bench;

import de.dhoch3.aiservices.download.Downloader;
import de.dhoch3.aiservices.download.Outcome;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How fast the download program is, against its own local TLS server: the program with one stream
 * against a plain client that only writes the same bytes to disk (the JDK's HttpClient with its
 * body-to-file handler: no checksum, no progress, no resume), in the same run and interleaved;
 * then, over a simulated slow link (a delay per request and a bandwidth cap per connection), the
 * program with parallel ranges against one stream. Prints figures; asserts nothing.
 */
@Command(name = "bench-download", mixinStandardHelpOptions = true,
    description = {"Download benchmark on a local TLS server: the download program against a plain client, and parallel ranges on a slow link.",
        "Last line: download x-plain D, parallel speed-up P"})
public final class DownloadBenchmark implements Callable<Integer> {
  @Option(names = "--size", defaultValue = "1073741824", description = "Bytes of the file (default: ${DEFAULT-VALUE}, 1 GiB).")
  long size;

  @Option(names = "--rounds", defaultValue = "3", description = "Rounds of each measurement; the median counts (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--slow-size", description = "Bytes fetched over the slow link (default: the smaller of --size and 64 MiB).")
  Long slowSize;

  @Option(names = "--slow-rate", defaultValue = "8388608", description = "The slow link's bytes per second per connection (default: ${DEFAULT-VALUE}, 8 MiB/s).")
  long slowRate;

  @Option(names = "--latency-ms", defaultValue = "50", description = "The slow link's delay before each response (default: ${DEFAULT-VALUE}).")
  long latencyMs;

  @Option(names = "--connections", defaultValue = "8", description = "Parallel ranges on the slow link (default: ${DEFAULT-VALUE}).")
  int connections;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (size < 1 || rounds < 1 || slowRate < 1 || latencyMs < 0 || connections < 2) {
      spec.commandLine().getErr().println("error: --size, --rounds and --slow-rate must be positive, --connections at least 2");
      return 2;
    }
    long slow = slowSize != null ? slowSize : Math.min(size, 64L << 20);
    Path work = Files.createTempDirectory("bench-download");
    try (LocalTlsServer server = new LocalTlsServer(size, work)) {
      // the program builds its own HttpClient with the default context: it trusts the benchmark's server from here on
      javax.net.ssl.SSLContext.setDefault(server.clientContext());
      HttpClient plain = HttpClient.newBuilder().sslContext(server.clientContext()).version(HttpClient.Version.HTTP_1_1).build();
      List<Long> plainNanos = new ArrayList<>();
      List<Long> programNanos = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        Path file = work.resolve("plain.bin");
        long started = System.nanoTime();
        HttpResponse<Path> response = plain.send(HttpRequest.newBuilder(server.url(size)).build(), HttpResponse.BodyHandlers.ofFile(file));
        plainNanos.add(System.nanoTime() - started);
        if (response.statusCode() != 200 || Files.size(file) != size) {
          throw new IllegalStateException("the plain client got " + response.statusCode() + " and " + Files.size(file) + " bytes");
        }
        Files.delete(file);
        programNanos.add(program(server, work, size, 1, out));
      }
      long plainMedian = Report.median(plainNanos);
      long programMedian = Report.median(programNanos);
      out.printf(Locale.ROOT, "plain client (JDK HttpClient, body to file), %s: median %d ms (%s)%n", mib(size), plainMedian / 1_000_000,
          rate(size, plainMedian));
      out.printf(Locale.ROOT, "download program, one stream (sha256, progress, resumable): median %d ms (%s)%n", programMedian / 1_000_000,
          rate(size, programMedian));
      server.slowLink(slowRate, Duration.ofMillis(latencyMs));
      List<Long> singleNanos = new ArrayList<>();
      List<Long> parallelNanos = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        singleNanos.add(program(server, work, slow, 1, out));
        parallelNanos.add(program(server, work, slow, connections, out));
      }
      long single = Report.median(singleNanos);
      long parallel = Report.median(parallelNanos);
      out.printf(Locale.ROOT, "slow link (%s per connection, %d ms per request), %s: one stream %d ms, %d ranges %d ms%n",
          rate(slowRate, 1_000_000_000L), latencyMs, mib(slow), single / 1_000_000, connections, parallel / 1_000_000);
      out.printf(Locale.ROOT, "download x-plain %.2f, parallel speed-up %.2f%n", (double) programMedian / plainMedian, (double) single / parallel);
      out.flush();
      return 0;
    } finally {
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** One run of the download program into a fresh folder; returns its time. */
  private static long program(LocalTlsServer server, Path work, long bytes, int connections, PrintWriter out) throws Exception {
    Path dir = Files.createDirectories(work.resolve("store"));
    Downloader.Options options = new Downloader.Options(server.url(bytes), dir, "model.bin", null, bytes, null, null,
        3, Duration.ofMillis(100), Duration.ofSeconds(30), true, connections);
    long started = System.nanoTime();
    Outcome outcome = new Downloader(options, new PrintWriter(java.io.Writer.nullWriter())).run();
    long took = System.nanoTime() - started;
    if (outcome.result().exitCode != 0) {
      throw new IllegalStateException("the download program failed: " + outcome);
    }
    Files.delete(dir.resolve("model.bin"));
    return took;
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
  }

  private static String rate(long bytes, long nanos) {
    return String.format(Locale.ROOT, "%.0f MiB/s", bytes / 1048576.0 / (nanos / 1e9));
  }
}
