package de.dhoch3.aiservices.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README's first command: the embedded run applies examples/ and every AIService comes up. */
class RunCommandTest {
  static final Path ROOT = Path.of(System.getProperty("repo.root", ".."));

  @Test
  void theEmbeddedRunBringsEveryExampleUp() throws Exception {
    // counted here with a plain YAML reader, not with the command's own (Manifests)
    int aiservices = 0;
    try (var files = java.nio.file.Files.walk(ROOT.resolve("examples"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        var parser = new com.fasterxml.jackson.dataformat.yaml.YAMLFactory().createParser(file.toFile());
        for (var doc : new com.fasterxml.jackson.databind.ObjectMapper().readValues(parser, com.fasterxml.jackson.databind.JsonNode.class).readAll()) {
          aiservices += doc != null && "AIService".equals(doc.path("kind").asText()) ? 1 : 0;
        }
      }
    }
    assertThat(aiservices).as("examples/ holds AIServices").isGreaterThanOrEqualTo(8);

    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    int exit = cli.execute("run", "--embedded", "--once", "--health-port", "-1", "-f", ROOT.resolve("examples").toString());

    String printed = out.toString();
    assertThat(exit).as(printed).isZero();
    assertThat(printed).contains("SIMULATED Deployment controller");
    // one table row per AIService: NAMESPACE NAME APP READY REASON URL
    Matcher rows = Pattern.compile("(?m)^\\S+\\s+\\S+\\s+\\S+\\s+(True|False|-)\\s+(\\S+)\\s+\\S+$").matcher(printed);
    int ready = 0;
    int total = 0;
    while (rows.find()) {
      total++;
      if (rows.group(1).equals("True") && rows.group(2).equals("Available")) {
        ready++;
      }
    }
    assertThat(total).as(printed).isEqualTo(aiservices);
    // every example comes up but the one that shows an admin policy at work: unmanaged GPUs are off by default
    assertThat(ready).as(printed).isEqualTo(aiservices - 1);
    assertThat(printed).containsPattern("(?m)^gpu-examples\\s+comfyui-unmanaged\\s+comfyui\\s+False\\s+InvalidSpec");
    assertThat(printed).contains("Deployment/comfyui", "ConfigMap/comfyui-config", "Ingress/comfyui", "ResourceClaimTemplate/comfyui-dra-gpu");
  }
}
