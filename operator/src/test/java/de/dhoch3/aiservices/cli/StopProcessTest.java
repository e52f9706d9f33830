package de.dhoch3.aiservices.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import de.dhoch3.aiservices.reconcile.LeaderElection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The operator as the chart runs it (its own process, {@code run --leader-election}) stopped the way
 * Kubernetes stops a pod: SIGTERM. It must end on its own, well inside the pod's grace period (30 s),
 * and give its lease up so that the next pod leads at once. Before, JOSDK's exit-on-stop-leading
 * called System.exit inside the shutdown hook: the process hung until SIGKILL and kept the lease.
 */
class StopProcessTest {

  /** The end of an embedded run stops the operator on purpose: no "lost lease" exit with status 1 on the way. */
  @Test
  void anEmbeddedRunWithLeaderElectionEndsWithStatusZero() throws Exception {
    Path dir = Files.createTempDirectory("stop-process");
    Path apps = dir.resolve("apps");
    Files.createDirectories(apps);
    Files.writeString(apps.resolve("comfyui.yaml"), """
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIService
        metadata: {name: comfyui, namespace: studio}
        spec: {app: comfyui}
        """);
    String java = ProcessHandle.current().info().command().orElse("java");
    Process run = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        "de.dhoch3.aiservices.cli.Main", "run", "--embedded", "--once", "--health-port=-1", "--leader-election",
        "--lease-namespace=default", "-f", apps.toString()))
        .redirectErrorStream(true).redirectOutput(dir.resolve("run.log").toFile()).start();
    try {
      assertThat(run.waitFor(90, TimeUnit.SECONDS)).as("ends (log: " + dir.resolve("run.log") + ")").isTrue();
      assertThat(run.exitValue()).as("exit status (log: " + dir.resolve("run.log") + ")").isZero();
      assertThat(Files.readString(dir.resolve("run.log"))).contains("comfyui");
    } finally {
      run.destroyForcibly();
    }
  }

  @Test
  void sigtermEndsTheProcessAndGivesTheLeaseUp() throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); var user = cluster.newClient()) {
      cluster.ensureNamespace("aiservice-system");
      Path dir = Files.createTempDirectory("stop-process");
      Path kubeconfig = dir.resolve("kubeconfig");
      Files.writeString(kubeconfig, cluster.kubeconfig());
      String java = ProcessHandle.current().info().command().orElse("java");
      ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
          "de.dhoch3.aiservices.cli.Main", "run", "--health-port=-1", "--leader-election", "--lease-namespace=aiservice-system"));
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      builder.redirectErrorStream(true).redirectOutput(dir.resolve("operator.log").toFile());
      Process operator = builder.start();
      try {
        var lease = user.leases().inNamespace("aiservice-system").withName(LeaderElection.LEASE_NAME);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> lease.get() != null && lease.get().getSpec().getHolderIdentity() != null);
        assertThat(lease.get().getSpec().getHolderIdentity()).startsWith("aiservice-operator-");

        operator.destroy();   // SIGTERM, as the kubelet sends it
        assertThat(operator.waitFor(20, TimeUnit.SECONDS))
            .as("the process ends on SIGTERM (log: " + dir.resolve("operator.log") + ")").isTrue();
        assertThat(lease.get().getSpec().getHolderIdentity()).as("the lease is given up").isNull();
      } finally {
        operator.destroyForcibly();
      }
    }
  }
}
