package de.dhoch3.aiservices.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** aiservice-operator: run | render | catalog | download | delete-model. */
@Command(
    name = "aiservice-operator",
    mixinStandardHelpOptions = true,
    version = "aiservice-operator 0.1.0",
    description = "Runs a studio's AI image apps (ComfyUI, Forge, Fooocus, InvokeAI, FluxGym, AI Toolkit) on Kubernetes GPUs.",
    subcommands = {RunCommand.class, RenderCommand.class, CatalogCommand.class, de.dhoch3.aiservices.bench.Benchmark.class, de.dhoch3.aiservices.bench.DownloadBenchmark.class,
        de.dhoch3.aiservices.chaos.ChaosCommand.class, de.dhoch3.aiservices.download.DownloadCommand.class, de.dhoch3.aiservices.download.DownloadRepoCommand.class,
        de.dhoch3.aiservices.download.DeleteModelCommand.class, de.dhoch3.aiservices.inbox.InboxCommand.class, CommandLine.HelpCommand.class})
public final class Main {

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
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
  }
}
