package de.dhoch3.aiservices.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** aiservice-operator: run | render | catalog | download | delete-model. */
@Command(
    name = "aiservice-operator",
    mixinStandardHelpOptions = true,
    version = "aiservice-operator 0.1.0",
    description = "Runs a studio's AI image apps (ComfyUI, Forge, Fooocus, InvokeAI, FluxGym, AI Toolkit) on Kubernetes GPUs.")
public final class Main {
  /**
   * The subcommands by name, in the order the usage lists them. Not in {@code @Command(subcommands)}:
   * picocli builds the model of every registered command (its options, read by reflection) and creates
   * each one before it parses, about 0.1 s of the operator's start for the ten it does not run
   * (measured with -Xlog:class+load). A command line that names one gets only that one.
   */
  static final java.util.Map<String, Class<?>> SUBCOMMANDS = subcommands();

  private static java.util.Map<String, Class<?>> subcommands() {
    java.util.Map<String, Class<?>> all = new java.util.LinkedHashMap<>();
    all.put("run", RunCommand.class);
    all.put("render", RenderCommand.class);
    all.put("catalog", CatalogCommand.class);
    all.put("bench", de.dhoch3.aiservices.bench.Benchmark.class);
    all.put("bench-download", de.dhoch3.aiservices.bench.DownloadBenchmark.class);
    all.put("chaos", de.dhoch3.aiservices.chaos.ChaosCommand.class);
    all.put("download", de.dhoch3.aiservices.download.DownloadCommand.class);
    all.put("download-repo", de.dhoch3.aiservices.download.DownloadRepoCommand.class);
    all.put("delete-model", de.dhoch3.aiservices.download.DeleteModelCommand.class);
    all.put("inbox", de.dhoch3.aiservices.inbox.InboxCommand.class);
    all.put("help", CommandLine.HelpCommand.class);
    all.put("cds-training", CdsTrainingCommand.class);   // hidden: a build step
    return java.util.Collections.unmodifiableMap(all);
  }

  /** slf4j-simple's levels; declared before the static block that reads them. */
  static final java.util.List<String> LOG_LEVELS = java.util.List.of("trace", "debug", "info", "warn", "error", "off");

  /** slf4j-simple's level of the operator's own loggers (de.dhoch3...). */
  static final String OPERATOR_LOG_LEVEL = "org.slf4j.simpleLogger.log.de.dhoch3";

  static {
    // With one or two CPUs (an operator pod's usual limit) the JDK gives the common ForkJoinPool a
    // parallelism of 1, and CompletableFuture then starts a NEW THREAD for every async step
    // (CompletableFuture.ASYNC_POOL is a ThreadPerTaskExecutor in that case): the JDK HttpClient
    // under fabric8 completes every response that way, about 30,000 threads for 1,000 AIServices
    // in the benchmark. Two threads in the pool end that; set before anything touches the pool.
    String parallelism = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(parallelism) == null) {
      System.setProperty(parallelism, String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
    // LOG_LEVEL sets the operator's own loggers; slf4j-simple reads no environment, and a system
    // property wins over its simplelogger.properties. Before any logger.
    if (System.getProperty(OPERATOR_LOG_LEVEL) == null) {
      logLevel(System.getenv("LOG_LEVEL")).ifPresent(level -> System.setProperty(OPERATOR_LOG_LEVEL, level));
    }
  }

  /**
   * The level LOG_LEVEL names, in any case and with spaces around it; none when unset. slf4j-simple
   * reads a word it does not know as info without a word: an unknown one is said here, once.
   */
  static java.util.Optional<String> logLevel(String environment) {
    if (environment == null || environment.isBlank()) {
      return java.util.Optional.empty();
    }
    String level = environment.trim().toLowerCase(java.util.Locale.ROOT);
    if (!LOG_LEVELS.contains(level)) {
      System.err.println("aiservice-operator: LOG_LEVEL=" + environment.trim() + " is not a level (" + String.join(", ", LOG_LEVELS)
          + "): the operator logs at info");
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(level);
  }

  public static void main(String[] args) {
    if (args.length > 0 && "run".equals(args[0])) {
      StartWarmUp.begin();
    }
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    return commandLine(args).execute(args);
  }

  /**
   * The command line for these arguments: only the subcommand the first argument names, or all of
   * them (no subcommand named, an option such as --help, an unknown name, or help, which lists them).
   */
  public static CommandLine commandLine(String... args) {
    CommandLine line = new CommandLine(new Main());
    String named = args.length > 0 && !"help".equals(args[0]) && SUBCOMMANDS.containsKey(args[0]) ? args[0] : null;
    SUBCOMMANDS.forEach((name, command) -> {
      if (named == null || named.equals(name)) {
        line.addSubcommand(name, command);
      }
    });
    return line.setCaseInsensitiveEnumValuesAllowed(true);
  }
}
