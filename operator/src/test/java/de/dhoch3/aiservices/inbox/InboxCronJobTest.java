package de.dhoch3.aiservices.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The inbox's CronJob as the operator writes it, and the operator keeping it. */
class InboxCronJobTest {
  private static OperatorConfig enabled() {
    OperatorConfig config = OperatorConfig.defaults();
    config.inbox.enabled = true;
    config.inbox.namespace = "studio";
    return config.checked();
  }

  @Test
  void theInboxMountsTheWholeStoreWritableAndOnlyTheUploadFolderOfTheShare() {
    var cronJob = InboxCronJob.desired(enabled());
    assertThat(cronJob.getMetadata().getNamespace()).isEqualTo("studio");
    assertThat(cronJob.getSpec().getSchedule()).isEqualTo("*/5 * * * *");
    assertThat(cronJob.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
    var pod = cronJob.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(container.getCommand()).containsExactly("java", "-jar", "/opt/aiservice-operator/aiservice-operator.jar", "inbox",
        "--uploads", "/uploads", "--store", "/store", "--settle-seconds", "120", "--result-file", "/dev/termination-log",
        "--measure-data", "/measure/data", "--measure-output", "/measure/output");
    Map<String, VolumeMount> mounts = container.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getMountPath, Function.identity()));
    Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, Function.identity()));
    VolumeMount store = mounts.get("/store");
    assertThat(store.getReadOnly()).isNull();
    assertThat(store.getSubPath()).isNull();
    assertThat(volumes.get(store.getName()).getHostPath().getPath()).isEqualTo("/vol/service/cw/storage-models/models");
    VolumeMount uploads = mounts.get("/uploads");
    assertThat(uploads.getSubPath()).isEqualTo("models-upload");
    assertThat(volumes.get(uploads.getName()).getHostPath().getPath()).isEqualTo("/vol/service/cw/storage-user");
    // the apps' data and the outputs, read-only, for the storage figures
    assertThat(mounts.get("/measure/data").getReadOnly()).isTrue();
    assertThat(volumes.get(mounts.get("/measure/data").getName()).getHostPath().getPath()).isEqualTo("/vol/service/cw/storage");
    assertThat(mounts.get("/measure/output").getReadOnly()).isTrue();
    assertThat(mounts.get("/measure/output").getSubPath()).isEqualTo("output");
    assertThat(container.getSecurityContext().getCapabilities().getAdd()).containsExactly("DAC_OVERRIDE");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  void aClaimHeldStoreIsMountedWritableThroughItsClaim() {
    OperatorConfig config = OperatorConfig.parse(new ByteArrayInputStream("""
        storage:
          models: {claimName: studio-models}
          data: {claimName: studio-data}
          user: {claimName: studio-user}
          roots: {models: [], data: [], user: []}
        inbox: {enabled: true, namespace: studio, refusePickle: true}
        """.getBytes(StandardCharsets.UTF_8)), "config.yaml");
    var pod = InboxCronJob.desired(config).getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes()).extracting(v -> v.getPersistentVolumeClaim() == null ? null : v.getPersistentVolumeClaim().getClaimName())
        .contains("studio-models", "studio-user");
    assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getPersistentVolumeClaim() == null ? null : v.getPersistentVolumeClaim().getReadOnly())
        .as(v.getName()).isNotEqualTo(true));
    assertThat(pod.getContainers().get(0).getCommand()).endsWith("--refuse-pickle");
  }

  @Test
  void anEnabledInboxNeedsItsNamespace() {
    assertThatThrownBy(() -> OperatorConfig.parse(new ByteArrayInputStream("inbox: {enabled: true}\n".getBytes(StandardCharsets.UTF_8)), "config.yaml"))
        .hasMessage("config.yaml: inbox.namespace must name the namespace the inbox runs in (that of the store's and the user share's claims),"
            + " e.g. studio");
  }

  @Test
  void servicesThatOptIntoRetentionGetTheirOutputsRetiredAndOnlyThenIsTheOutputWritable() {
    var pod = InboxCronJob.desired(enabled(), Map.of("ComfyUI", 30, "forge", 90)).getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(container.getCommand()).endsWith("--outputs", "/measure/output", "--trash-days", "7", "--retain", "ComfyUI=30", "--retain", "forge=90");
    assertThat(container.getVolumeMounts()).filteredOn(m -> m.getMountPath().equals("/measure/output")).singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isNull());
  }

  /** Created when missing (also after a hand deletion), replaced when the configuration changes, otherwise not written. */
  @Test
  void theOperatorKeepsTheCronJob() {
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); KubernetesClient client = cluster.newClient()) {
      cluster.ensureNamespace("studio");
      OperatorConfig config = enabled();
      assertThat(InboxSchedule.ensure(client, config)).isEqualTo("created");
      long writes = cluster.server().writes();
      assertThat(InboxSchedule.ensure(client, config)).isEqualTo("unchanged");
      assertThat(cluster.server().writes()).isEqualTo(writes);
      config.inbox.schedule = "*/10 * * * *";
      assertThat(InboxSchedule.ensure(client, config)).isEqualTo("replaced");
      // an AIService opts into output retention: the CronJob follows at its next check
      de.dhoch3.aiservices.api.AIService ai = de.dhoch3.aiservices.apps.AppTranslationTest.aiservice(de.dhoch3.aiservices.api.App.COMFYUI);
      ai.getSpec().storage = new de.dhoch3.aiservices.api.StorageSpec();
      ai.getSpec().storage.outputRetentionDays = 30;
      var created = client.resource(ai).create();
      assertThat(InboxSchedule.ensure(client, config)).as("not yet running as it is (no status)").isEqualTo("unchanged");
      // held back (e.g. by a folder another AIService holds): still no retention of "its" outputs
      created.setStatus(new de.dhoch3.aiservices.api.AIServiceStatus());
      created.getStatus().observedGeneration = created.getMetadata().getGeneration();
      created.getStatus().conditions = new java.util.ArrayList<>(List.of(new io.fabric8.kubernetes.api.model.ConditionBuilder()
          .withType("Stalled").withStatus("True").withReason("DataFolderInUse").build()));
      created = client.resource(created).updateStatus();
      assertThat(InboxSchedule.ensure(client, config)).isEqualTo("unchanged");
      created.getStatus().conditions = new java.util.ArrayList<>(List.of(new io.fabric8.kubernetes.api.model.ConditionBuilder()
          .withType("Stalled").withStatus("False").withReason("SpecValid").build()));
      created = client.resource(created).updateStatus();
      assertThat(InboxSchedule.ensure(client, config)).as("running as it is: its outputs are its own").isEqualTo("replaced");
      assertThat(client.batch().v1().cronjobs().inNamespace("studio").withName("aiservice-inbox").get().getSpec().getJobTemplate().getSpec()
          .getTemplate().getSpec().getContainers().get(0).getCommand()).contains("--retain", "ComfyUI=30");
      assertThat(client.batch().v1().cronjobs().inNamespace("studio").withName("aiservice-inbox").get().getSpec().getSchedule())
          .isEqualTo("*/10 * * * *");
      client.batch().v1().cronjobs().inNamespace("studio").withName("aiservice-inbox").delete();
      org.awaitility.Awaitility.await().until(() -> client.batch().v1().cronjobs().inNamespace("studio").withName("aiservice-inbox").get() == null);
      assertThat(InboxSchedule.ensure(client, config)).isEqualTo("created");
      assertThat(List.of(client.batch().v1().cronjobs().inNamespace("studio").list().getItems().size())).containsExactly(1);
    }
  }
}
