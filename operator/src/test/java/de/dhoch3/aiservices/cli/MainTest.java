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
  /** Every subcommand, in the order the usage lists them; written out, not read from Main. */
  private static final java.util.List<String> ALL = java.util.List.of("run", "render", "catalog", "bench", "bench-download", "chaos",
      "download", "download-repo", "delete-model", "inbox", "help", "cds-training");

  /** A command line that names a subcommand builds only that one; each registered name is the command's own name. */
  @Test
  void onlyTheNamedSubcommandIsBuiltAndEveryOneCanBeNamed() {
    for (String name : ALL) {
      picocli.CommandLine line = Main.commandLine(name, "--help");
      if (name.equals("help")) {
        assertThat(line.getSubcommands().keySet()).containsExactlyElementsOf(ALL);
        continue;
      }
      assertThat(line.getSubcommands().keySet()).containsExactly(name);
      // the name it is registered under is the one its class declares: a renamed command cannot drift apart
      assertThat(line.getSubcommands().get(name).getCommandSpec().userObject().getClass().getAnnotation(picocli.CommandLine.Command.class).name())
          .isEqualTo(name);
    }
  }

  /** No subcommand, an option, an unknown or a misspelt name: all are there, so the usage lists them. */
  @Test
  void withoutANamedSubcommandTheUsageListsThemAll() {
    for (String[] args : new String[][] {{}, {"--help"}, {"--version"}, {"rnu"}, {"Run"}, {"-f", "run"}}) {
      assertThat(Main.commandLine(args).getSubcommands().keySet()).as(String.join(" ", args)).containsExactlyElementsOf(ALL);
    }
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine line = Main.commandLine("rnu");
    line.setOut(new java.io.PrintWriter(out));
    line.setErr(new java.io.PrintWriter(err));
    assertThat(line.execute("rnu")).isEqualTo(2);
    assertThat(err.toString()).contains("Unmatched argument at index 0: 'rnu'").contains("Commands:").contains("  run ").contains("  delete-model ");
  }

  /** LOG_LEVEL: slf4j-simple's levels, in any case; a word that is none is refused with the list, never passed on. */
  @Test
  void logLevelAcceptsSlf4jSimplesLevelsOnly() {
    assertThat(Main.logLevel(" DEBUG ")).contains("debug");
    assertThat(Main.logLevel("off")).contains("off");
    assertThat(Main.logLevel(null)).isEmpty();
    assertThat(Main.logLevel("  ")).isEmpty();
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(said, true, StandardCharsets.UTF_8));
    try {
      // log4j's words that slf4j-simple does not have, and a typo
      assertThat(Main.logLevel("fatal")).isEmpty();
      assertThat(Main.logLevel("all")).isEmpty();
      assertThat(Main.logLevel("debgu")).isEmpty();
    } finally {
      System.setErr(err);
    }
    assertThat(said.toString(StandardCharsets.UTF_8))
        .contains("LOG_LEVEL=fatal is not a level (trace, debug, info, warn, error, off): the operator logs at info")
        .contains("LOG_LEVEL=all is not a level").contains("LOG_LEVEL=debgu is not a level");
  }
}
