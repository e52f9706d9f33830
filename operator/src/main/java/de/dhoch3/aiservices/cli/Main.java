package de.dhoch3.aiservices.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** aiservice-operator: run | render | catalog | download | delete-model. */
@Command(
    name = "aiservice-operator",
    mixinStandardHelpOptions = true,
    version = "aiservice-operator 0.1.0",
    description = "Runs a studio's AI image apps (ComfyUI, Forge, Fooocus, InvokeAI, FluxGym, AI Toolkit) on Kubernetes GPUs.",
    subcommands = {RunCommand.class, RenderCommand.class, CatalogCommand.class, de.dhoch3.aiservices.bench.Benchmark.class,
        de.dhoch3.aiservices.chaos.ChaosCommand.class, de.dhoch3.aiservices.download.DownloadCommand.class,
        de.dhoch3.aiservices.download.DeleteModelCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
  }
}
