package de.dhoch3.aiservices.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the entry point sets up before anything else runs. */
class MainTest {

  /**
   * On one or two CPUs the JDK gives the common pool a parallelism of 1, and CompletableFuture
   * then starts a thread per async step. A JVM limited to one CPU, started through Main, must
   * have a pool of at least two.
   */
  @Test
  void theCommonPoolHasAtLeastTwoThreadsOnOneCpu() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-XX:ActiveProcessorCount=1", "-cp", System.getProperty("java.class.path"),
        CommonPoolProbe.class.getName()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(output).endsWith("parallelism 2");
  }

  /** Loads Main (its static setup), then reports the pool. */
  static final class CommonPoolProbe {
    public static void main(String[] args) throws Exception {
      Class.forName(Main.class.getName());
      System.out.println("parallelism " + java.util.concurrent.ForkJoinPool.getCommonPoolParallelism());
    }
  }
}
