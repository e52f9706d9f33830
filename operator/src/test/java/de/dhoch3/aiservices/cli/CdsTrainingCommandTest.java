package de.dhoch3.aiservices.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The class-data-sharing archive's training run (a build step of operator/pom.xml and of the Dockerfile),
 * and how {@code run} decides between a cluster and the in-process server. Each in a JVM of its own: the
 * training exits its JVM, and both depend on the environment.
 */
class CdsTrainingCommandTest {
  private static final Path ROOT = Path.of(System.getProperty("repo.root", ".."));

  /**
   * A build machine whose environment points fabric8 elsewhere (a CI agent's KUBERNETES_MASTER, a proxy
   * that does not exempt localhost, kubeconfigs switched off): the training still runs the shipped
   * operator against its own in-process server, converges and ends the JVM with 0.
   */
  @Test
  void theTrainingConvergesWhateverTheBuildMachinesEnvironmentSays() throws Exception {
    Map<String, String> hostile = Map.of("KUBERNETES_MASTER", "https://127.0.0.1:9", "HTTPS_PROXY", "http://127.0.0.1:9",
        "HTTP_PROXY", "http://127.0.0.1:9", "ALL_PROXY", "http://127.0.0.1:9", "KUBERNETES_AUTH_TRYKUBECONFIG", "false",
        "KUBECONFIG", "/nonexistent/kubeconfig");
    Result result = run(hostile, List.of(), Main.class.getName(), "cds-training", "-f", ROOT.resolve("examples/apps/comfyui.yaml").toString(),
        "--timeout=PT90S");
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(result.output()).contains("cds-training: the operator as shipped converged");
  }

  /** An empty -Dkubeconfig= counts as unset, as fabric8 counts it: $KUBECONFIG then decides, and a cluster is configured. */
  @Test
  void anEmptyKubeconfigPropertyLeavesTheDecisionToTheEnvironment() throws Exception {
    String probe = ClusterConfiguredProbe.class.getName();
    assertThat(run(Map.of("KUBECONFIG", "/some/kubeconfig"), List.of("-Dkubeconfig="), probe).output()).isEqualTo("true");
    assertThat(run(Map.of(), List.of("-Dkubeconfig="), probe).output()).isEqualTo("false");
    assertThat(run(Map.of(), List.of(), probe).output()).isEqualTo("false");
    assertThat(run(Map.of(), List.of("-Dkubeconfig=/some/kubeconfig"), probe).output()).isEqualTo("true");
  }

  static final class ClusterConfiguredProbe {
    public static void main(String[] args) {
      System.out.println(RunCommand.clusterConfigured());
    }
  }

  private record Result(int exit, String output) {}

  /** A JVM on the test class path with exactly this environment beyond PATH and a HOME without ~/.kube. */
  private static Result run(Map<String, String> environment, List<String> jvmOptions, String mainClass, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    String path = builder.environment().get("PATH");
    builder.environment().clear();
    builder.environment().put("PATH", path == null ? "/usr/bin:/bin" : path);
    builder.environment().put("HOME", java.nio.file.Files.createTempDirectory("no-kube").toString());
    builder.environment().putAll(environment);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(process.waitFor(180, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), output);
  }
}
