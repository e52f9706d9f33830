package de.dhoch3.aiservices.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * The in-process API server's defaulting (which the idle and drift tests rely on) checked against
 * Kubernetes' own expectations, not against the operator's list of server-filled fields: each case
 * is ported from kubernetes/kubernetes pkg/apis/apps/v1/defaults_test.go, TestSetDefaultDeployment
 * (commit 025f2834a128798cef30018a5e6a6ae82b5ad885), which round-trips a Deployment through the
 * real scheme's defaulting and compares the whole spec. A field the emulator adds that Kubernetes
 * does not (or misses) fails here.
 */
class ApiServerDefaultsConformanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** defaults_test.go's defaultTemplate: what every pod template of those cases gets. */
  private static final String DEFAULT_TEMPLATE = """
      {"spec": {"dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {},
                "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler"}}""";

  private static JsonNode defaulted(String spec) throws Exception {
    ObjectNode deployment = (ObjectNode) JSON.readTree("{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"d\"},"
        + " \"spec\": " + spec + "}");
    new ApiServerRules().applyDefaults(deployment, null);
    return deployment.get("spec");
  }

  private static JsonNode expected(String spec) throws Exception {
    ObjectNode expected = (ObjectNode) JSON.readTree(spec);
    expected.set("template", JSON.readTree(DEFAULT_TEMPLATE));
    return expected;
  }

  @Test
  void anEmptyDeployment() throws Exception {
    assertThat(defaulted("{}")).isEqualTo(expected("""
        {"replicas": 1, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
         "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}"""));
  }

  @Test
  void aGivenMaxSurgeIsKeptAndTheRestDefaulted() throws Exception {
    assertThat(defaulted("{\"replicas\": 5, \"strategy\": {\"rollingUpdate\": {\"maxSurge\": 5}}}")).isEqualTo(expected("""
        {"replicas": 5, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 5, "maxUnavailable": "25%"}},
         "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}"""));
  }

  @Test
  void rollingUpdateWithoutParameters() throws Exception {
    assertThat(defaulted("{\"replicas\": 3, \"strategy\": {\"type\": \"RollingUpdate\"}}")).isEqualTo(expected("""
        {"replicas": 3, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
         "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}"""));
  }

  /** Recreate gets no rollingUpdate block; a revisionHistoryLimit of 0 stays 0. */
  @Test
  void recreateWithAZeroHistory() throws Exception {
    assertThat(defaulted("{\"replicas\": 5, \"strategy\": {\"type\": \"Recreate\"}, \"revisionHistoryLimit\": 0}")).isEqualTo(expected("""
        {"replicas": 5, "strategy": {"type": "Recreate"}, "revisionHistoryLimit": 0, "progressDeadlineSeconds": 600}"""));
  }

  @Test
  void givenDeadlineAndHistoryAreKept() throws Exception {
    assertThat(defaulted("{\"replicas\": 5, \"strategy\": {\"type\": \"Recreate\"}, \"progressDeadlineSeconds\": 30, \"revisionHistoryLimit\": 2}"))
        .isEqualTo(expected("""
            {"replicas": 5, "strategy": {"type": "Recreate"}, "progressDeadlineSeconds": 30, "revisionHistoryLimit": 2}"""));
  }

  /**
   * pkg/apis/core/v1/defaults.go SetDefaults_Container with pkg/util/parsers ParseImageName: no tag
   * and no digest is "latest" (Always), any other tag or a digest IfNotPresent; the termination
   * message path and policy; SetDefaults_ContainerPort: TCP.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
      "busybox, Always", "busybox:latest, Always", "registry.example.com:5000/tools/busybox, Always",
      "busybox:1.37.0, IfNotPresent", "registry.example.com:5000/tools/busybox:1, IfNotPresent",
      "busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000, IfNotPresent"})
  void containerDefaults(String image, String pullPolicy) throws Exception {
    JsonNode spec = defaulted("{\"template\": {\"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"" + image
        + "\", \"ports\": [{\"containerPort\": 8188}]}]}}}");
    JsonNode container = spec.at("/template/spec/containers/0");
    assertThat(container.path("imagePullPolicy").asText()).isEqualTo(pullPolicy);
    assertThat(container.path("terminationMessagePath").asText()).isEqualTo("/dev/termination-log");
    assertThat(container.path("terminationMessagePolicy").asText()).isEqualTo("File");
    assertThat(container.at("/ports/0/protocol").asText()).isEqualTo("TCP");
  }

  /** SetDefaults_Pod gives a Pod enableServiceLinks: true; a Deployment's template (SetDefaults_PodSpec) never has it. */
  @Test
  void onlyPodsGetServiceLinks() throws Exception {
    ObjectNode pod = (ObjectNode) JSON.readTree("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"},"
        + " \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"busybox:1\"}]}}");
    new ApiServerRules().applyDefaults(pod, null);
    assertThat(pod.at("/spec/enableServiceLinks").asBoolean()).isTrue();
    assertThat(defaulted("{}").at("/template/spec").has("enableServiceLinks")).isFalse();
  }

  /** SetDefaults_Service: type ClusterIP, sessionAffinity None, each port TCP with targetPort = port. */
  @Test
  void serviceDefaults() throws Exception {
    ObjectNode service = (ObjectNode) JSON.readTree("{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"s\"},"
        + " \"spec\": {\"ports\": [{\"name\": \"http\", \"port\": 8188}]}}");
    new ApiServerRules().applyDefaults(service, null);
    JsonNode spec = service.get("spec");
    assertThat(spec.path("type").asText()).isEqualTo("ClusterIP");
    assertThat(spec.path("sessionAffinity").asText()).isEqualTo("None");
    assertThat(spec.at("/ports/0/protocol").asText()).isEqualTo("TCP");
    assertThat(spec.at("/ports/0/targetPort").asInt()).isEqualTo(8188);
  }
}
