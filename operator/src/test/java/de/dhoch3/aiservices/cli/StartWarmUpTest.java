package de.dhoch3.aiservices.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The start's warm-up hands the client the serialization it warmed, and that one reads as production's does. */
class StartWarmUpTest {
  private static final String JSON = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
      + "\"labels\":{\"app.kubernetes.io/managed-by\":\"aiservice-operator\"}},\"data\":{\"k\":\"v\"}}";

  @Test
  void theClientGetsTheOneSerializationTheWarmUpMade() {
    // Main.main is the only caller of begin(), and no test calls main (it exits the JVM): not begun, a new one each time
    assertThat(StartWarmUp.serialization()).isNotSameAs(StartWarmUp.serialization());
    KubernetesSerialization warmed = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      StartWarmUp.begin();
      StartWarmUp.begin();   // a second call starts nothing new
      return StartWarmUp.serialization();
    });
    assertThat(StartWarmUp.serialization()).isSameAs(warmed);
    // production's reading (reconcile/CompactStrings): a repeated value is one instance, built at run time here
    ConfigMap a = warmed.unmarshal(JSON.formatted(new StringBuilder("a").append("1").toString()), ConfigMap.class);
    ConfigMap b = warmed.unmarshal(JSON.formatted("b1"), ConfigMap.class);
    assertThat(a.getMetadata().getLabels().get("app.kubernetes.io/managed-by"))
        .isEqualTo("aiservice-operator").isSameAs(b.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
    assertThat(a.getMetadata().getName()).isEqualTo("a1");
  }
  /**
   * A start as shipped (Main.main, so with the warm-up, against a kubeconfig) reconciles and logs nothing
   * of SLF4J's own: while SLF4J initialises on the warm-up thread it would hand the main thread stand-in
   * loggers, drop their calls and print a warning naming them. The race depends on timing: from the test
   * class path it did not show; with the jar, every start without the archive showed it while the warm-up
   * set logging up second, so the benchmark's starts check it too (ChildOperator.assertNoStandInLoggers,
   * in CI's smoke run).
   */
  @Test
  void aShippedStartReconcilesAndLogsNoStandInLoggers() throws Exception {
    String log = shippedStart(null);
    // slf4j-simple with simplelogger.properties: the operator's own INFO lines, dated, on standard error
    assertThat(log).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d,\\d{3} INFO DraSupport - resource.k8s.io");
  }

  /** LOG_LEVEL sets the operator's own level (cli/Main), whatever its case and spaces. */
  @Test
  void logLevelFromTheEnvironmentSetsTheOperatorsOwnLoggers() throws Exception {
    String log = shippedStart(" Warn ");
    assertThat(log).doesNotContain("INFO DraSupport");
  }

  private static String shippedStart(String logLevel) throws Exception {
    try (var cluster = de.dhoch3.aiservices.embedded.EmbeddedCluster.start(); var user = cluster.newClient()) {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("shipped-start");
      java.nio.file.Path kubeconfig = dir.resolve("kubeconfig");
      java.nio.file.Files.writeString(kubeconfig, cluster.kubeconfig());
      cluster.ensureNamespace("studio");
      de.dhoch3.aiservices.api.AIService ai = new de.dhoch3.aiservices.api.AIService();
      ai.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("comfy").withNamespace("studio").build());
      ai.setSpec(new de.dhoch3.aiservices.api.AIServiceSpec());
      ai.getSpec().app = de.dhoch3.aiservices.api.App.COMFYUI;
      user.resource(ai).create();
      ProcessBuilder builder = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), Main.class.getName(),
          "run", "--health-port=0", "--leader-election", "--lease-namespace=studio")
          .redirectErrorStream(true).redirectOutput(dir.resolve("operator.log").toFile());
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      builder.environment().remove("LOG_LEVEL");
      if (logLevel != null) {
        builder.environment().put("LOG_LEVEL", logLevel);
      }
      Process process = builder.start();
      try {
        // until reconciled, or the process' end (a start that fails ends it: no need to wait out the minute)
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> reconciled(user, ai) || !process.isAlive());
        assertThat(reconciled(user, ai)).as(() -> readOrEmpty(dir.resolve("operator.log"))).isTrue();
      } finally {
        process.destroy();
        process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
      }
      String log = java.nio.file.Files.readString(dir.resolve("operator.log"));
      assertThat(log).contains("aiservice-operator: managing " + cluster.client().getMasterUrl()).doesNotContain("SLF4J");
      return log;
    }
  }

  private static boolean reconciled(io.fabric8.kubernetes.client.KubernetesClient user, de.dhoch3.aiservices.api.AIService ai) {
    var now = user.resource(ai).get();
    return now.getStatus() != null && Long.valueOf(1).equals(now.getStatus().observedGeneration);
  }

  private static String readOrEmpty(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.readString(file);
    } catch (java.io.IOException unreadable) {
      return "";
    }
  }
}
