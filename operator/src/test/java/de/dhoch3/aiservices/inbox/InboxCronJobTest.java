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

  @Test
  void servicesThatShareTheirDownloadsGetTheirFoldersNamedAndOnlyThenIsTheDataWritable() {
    var share = new InboxCronJob.Share("/models", Map.of("ComfyUI/models/loras", "loras", "ComfyUI/models/checkpoints", "checkpoints"));
    var container = InboxCronJob.desired(enabled(), Map.of(), Map.of("ComfyUI", share)).getSpec().getJobTemplate().getSpec().getTemplate()
        .getSpec().getContainers().get(0);
    assertThat(container.getCommand()).endsWith("--app-data", "/measure/data", "--app-store", "ComfyUI=/models",
        "--share-folder", "ComfyUI/ComfyUI/models/checkpoints=checkpoints", "--share-folder", "ComfyUI/ComfyUI/models/loras=loras");
    assertThat(container.getVolumeMounts()).filteredOn(m -> m.getMountPath().equals("/measure/data")).singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isNull());
    // the outputs stay read-only: no AIService asked for retention
    assertThat(container.getVolumeMounts()).filteredOn(m -> m.getMountPath().equals("/measure/output")).singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isTrue());
  }

  /** Only a current, not stalled comfyui/fooocus AIService on the configured data root shares; each with its own folders and store path. */
  @Test
  void theScheduleSharesTheDownloadsOfAppsThatOptedIn() {
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); KubernetesClient client = cluster.newClient()) {
      cluster.ensureNamespace("studio");
      OperatorConfig config = enabled();
      for (var app : List.of(de.dhoch3.aiservices.api.App.COMFYUI, de.dhoch3.aiservices.api.App.FOOOCUS)) {
        var ai = de.dhoch3.aiservices.apps.AppTranslationTest.aiservice(app);
        ai.getSpec().storage = new de.dhoch3.aiservices.api.StorageSpec();
        ai.getSpec().storage.shareDownloads = true;
        if (app == de.dhoch3.aiservices.api.App.FOOOCUS) {
          ai.getSpec().container = new de.dhoch3.aiservices.api.ContainerSpec();
          ai.getSpec().container.modelsPath = "/mnt/store";
        }
        var created = client.resource(ai).create();
        created.setStatus(new de.dhoch3.aiservices.api.AIServiceStatus());
        created.getStatus().observedGeneration = created.getMetadata().getGeneration();
        created.getStatus().conditions = new java.util.ArrayList<>(List.of(new io.fabric8.kubernetes.api.model.ConditionBuilder()
            .withType("Stalled").withStatus("False").withReason("SpecValid").build()));
        client.resource(created).updateStatus();
      }
      assertThat(InboxSchedule.ensure(client, config)).isEqualTo("created");
      List<String> command = client.batch().v1().cronjobs().inNamespace("studio").withName("aiservice-inbox").get().getSpec().getJobTemplate()
          .getSpec().getTemplate().getSpec().getContainers().get(0).getCommand();
      assertThat(command).containsSubsequence("--app-store", "ComfyUI=/models");
      assertThat(command).containsSubsequence("--app-store", "Fooocus=/mnt/store");
      assertThat(command).containsSubsequence("--share-folder", "ComfyUI/ComfyUI/models/checkpoints=checkpoints");
      assertThat(command).containsSubsequence("--share-folder", "ComfyUI/ComfyUI/models/upscale_models=upscale_models");
      assertThat(command).containsSubsequence("--share-folder", "Fooocus/models/checkpoints=checkpoints");
      assertThat(command).containsSubsequence("--share-folder", "Fooocus/models/loras=loras");
      assertThat(command).containsSubsequence("--share-folder", "Fooocus/models/upscale_models=upscale_models");
      // Fooocus' own embeddings and vae are single folders in the store: it never downloads into a folder of its own there
      assertThat(command).doesNotContain("Fooocus/models/embeddings=embeddings", "Fooocus/models/vae=vae");
    }
  }

  @Test
  void turningTheInboxOffDeletesTheOperatorsCronJobOnly() {
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); KubernetesClient client = cluster.newClient()) {
      cluster.ensureNamespace("studio");
      OperatorConfig config = enabled();
      java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
      java.io.PrintStream out = new java.io.PrintStream(log, true, StandardCharsets.UTF_8);
      assertThat(InboxSchedule.ensure(client, config)).isEqualTo("created");
      assertThat(InboxSchedule.removeLeftover(client, config, out)).as("still enabled").isFalse();
      config.inbox.enabled = false;
      assertThat(InboxSchedule.removeLeftover(client, config, out)).isTrue();
      org.awaitility.Awaitility.await().until(() -> client.batch().v1().cronjobs().inNamespace("studio").withName("aiservice-inbox").get() == null);
      assertThat(log.toString(StandardCharsets.UTF_8)).contains("the model inbox is turned off: its CronJob studio/aiservice-inbox was deleted");
      // an admin's own CronJob under that name (no operator labels) stays
      var own = InboxCronJob.desired(enabled());
      own.getMetadata().setLabels(Map.of("team", "admin"));
      client.resource(own).create();
      assertThat(InboxSchedule.removeLeftover(client, config, out)).isFalse();
      assertThat(client.batch().v1().cronjobs().inNamespace("studio").withName("aiservice-inbox").get()).isNotNull();
      config.inbox.namespace = null;
      assertThat(InboxSchedule.removeLeftover(client, config, out)).isFalse();
    }
  }
}
