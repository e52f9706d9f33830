package de.dhoch3.aiservices.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIModel;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.reconcile.OperatorHarness;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the inbox moved becomes AIModel records, read from the finished inbox pod's termination message. */
class InboxRecordsTest {
  private static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  private static Pod finished(String message) {
    return new PodBuilder().withNewMetadata().withName("aiservice-inbox-1-x").withNamespace("studio").withUid("p1")
          .addToLabels("ai.dhoch3.de/component", "model-inbox").endMetadata()
        .withNewStatus().withPhase("Succeeded").addNewContainerStatus().withName("inbox").withNewState().withNewTerminated()
          .withExitCode(0).withMessage(message).endTerminated().endState().endContainerStatus().endStatus().build();
  }

  @Test
  void eachMovedFileIsARecordNamedAfterItItsChecksumAndItsPlace() {
    List<AIModel> records = InboxRecords.records("""
        moved checkpoints/SDXL/Juggernaut XL v9.safetensors (6938040706 bytes, sha256 %1$s)
        record {"category":"checkpoints","path":"SDXL/Juggernaut XL v9.safetensors","size":6938040706,"sha256":"%1$s","duplicate":false}
        record {"category":"loras","path":"[weird] name.safetensors","size":1,"sha256":"%1$s","duplicate":false}
        record {"category":"checkpoints","path":"Other/Juggernaut XL v9.safetensors","size":6938040706,"sha256":"%1$s","duplicate":false}
        record {not json
        moved 3, rejected 0, waiting 0
        """.formatted(SHA), "studio");
    assertThat(records).hasSize(2);
    assertThat(records.get(0)).satisfies(model -> {
      assertThat(model.getMetadata().getName()).startsWith("upload-juggernaut-xl-v9-safetensors-0123456789-").hasSize(53);
      assertThat(model.getMetadata().getNamespace()).isEqualTo("studio");
      assertThat(model.getSpec().source.upload.from).isEqualTo("checkpoints/SDXL/Juggernaut XL v9.safetensors");
      assertThat(model.getSpec().source.upload.bytes).isEqualTo(6938040706L);
      assertThat(model.getSpec().category).isEqualTo("checkpoints");
      assertThat(model.getSpec().folder).isEqualTo("SDXL");
      assertThat(model.getSpec().fileName).isEqualTo("Juggernaut XL v9.safetensors");
      assertThat(model.getSpec().sha256).isEqualTo(SHA);
    });
    // the same content in another folder: a record of its own
    assertThat(records.get(1).getMetadata().getName()).isNotEqualTo(records.get(0).getMetadata().getName());
    assertThat(records.get(1).getSpec().folder).isEqualTo("Other");
    assertThat(InboxRecords.records(null, "studio")).isEmpty();
    assertThat(records.get(0).getSpec().source.upload.app).as("an upload, not an app's download").isNull();
  }

  @Test
  void anAppsSharedDownloadNamesItsAppAndAForgedAppNameIsDropped() {
    List<AIModel> records = InboxRecords.records("""
        record {"category":"checkpoints","path":"a.safetensors","size":8,"sha256":"%1$s","duplicate":false,"app":"ComfyUI"}
        record {"category":"loras","path":"b.safetensors","size":8,"sha256":"%1$s","duplicate":false,"app":"../<script>"}
        """.formatted(SHA), "studio");
    assertThat(records).extracting(m -> m.getSpec().source.upload.app).containsExactly("ComfyUI", null);
    assertThat(records.get(0).getSpec().source.upload.from).isEqualTo("checkpoints/a.safetensors");
  }

  /** The program's own log, as the pod's log: the records read exactly what it wrote. */
  @Test
  void theProgramsResultIsWhatTheRecordsRead(@TempDir Path root) throws Exception {
    Path uploads = Files.createDirectories(root.resolve("uploads/vae"));
    Path store = Files.createDirectories(root.resolve("store"));
    Files.write(uploads.resolve("ae.safetensors"), InboxTest.safetensors());
    StringWriter log = new StringWriter();
    int exit = new picocli.CommandLine(new InboxCommand()).setOut(new PrintWriter(log))
        .execute("--uploads", root.resolve("uploads").toString(), "--store", store.toString(), "--settle-seconds", "0");
    assertThat(exit).isZero();
    List<AIModel> records = InboxRecords.records(log.toString(), "studio");
    assertThat(records).singleElement().satisfies(model -> {
      assertThat(model.getSpec().category).isEqualTo("vae");
      assertThat(model.getSpec().fileName).isEqualTo("ae.safetensors");
      assertThat(model.getSpec().folder).isNull();
      assertThat(model.getSpec().source.upload.bytes).isEqualTo(InboxTest.safetensors().length);
    });
  }

  /** Through the operator: a record is Ready as "Uploaded" at once, and deleting it runs no delete Job (the file is the studio's). */
  @Test
  void aRecordIsReadyWithoutADownloadAndItsDeletionKeepsTheFile() {
    try (OperatorHarness harness = new OperatorHarness(OperatorConfig.defaults())) {
      AIModel record = InboxRecords.records("""
          record {"category":"vae","path":"ae.safetensors","size":335304388,"sha256":"%s","duplicate":false}
          """.formatted(SHA), OperatorHarness.NS).get(0);
      harness.client.resource(record).create();
      var models = harness.client.resources(AIModel.class).inNamespace(OperatorHarness.NS);
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        AIModel seen = models.withName(record.getMetadata().getName()).get();
        return seen.getStatus() != null && seen.getStatus().conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
      });
      AIModel ready = models.withName(record.getMetadata().getName()).get();
      assertThat(ready.getStatus().path).isEqualTo("vae/ae.safetensors");
      assertThat(ready.getStatus().sha256).isEqualTo(SHA);
      assertThat(ready.getStatus().conditions).anySatisfy(c -> assertThat(c.getReason()).isEqualTo("Uploaded"));
      assertThat(harness.client.batch().v1().jobs().inNamespace(OperatorHarness.NS).list().getItems()).isEmpty();
      models.withName(record.getMetadata().getName()).delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> models.withName(record.getMetadata().getName()).get() == null);
      assertThat(harness.client.batch().v1().jobs().inNamespace(OperatorHarness.NS).list().getItems()).as("no delete Job").isEmpty();

      // a forged or edited record: turned into a download with deletionPolicy Delete, then deleted at once
      AIModel forged = InboxRecords.records("""
          record {"category":"vae","path":"other.safetensors","size":3,"sha256":"%s","duplicate":false}
          """.formatted(SHA), OperatorHarness.NS).get(0);
      harness.client.resource(forged).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> models.withName(forged.getMetadata().getName()).get().getStatus() != null);
      models.withName(forged.getMetadata().getName()).edit(m -> {
        m.getSpec().source.upload = null;
        m.getSpec().source.url = "https://example.com/other.safetensors";
        m.getSpec().deletionPolicy = de.dhoch3.aiservices.api.AIModelSpec.DeletionPolicy.DELETE;
        return m;
      });
      models.withName(forged.getMetadata().getName()).delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> models.withName(forged.getMetadata().getName()).get() == null);
      assertThat(harness.client.batch().v1().jobs().inNamespace(OperatorHarness.NS).withLabel("ai.dhoch3.de/component", "model-delete").list().getItems())
          .as("a file this AIModel did not download is never deleted").isEmpty();
    }
  }

  /** A finished pod of that name, labelled as the inbox's, controlled by the Job of that uid (null: by none). */
  private static Pod finishedPod(KubernetesClient client, String name, String jobUid) {
    Pod pod = finished("{}");
    PodBuilder built = new PodBuilder(pod).editMetadata().withName(name).withUid(null).endMetadata()
        .withNewSpec().addNewContainer().withName("inbox").withImage("ghcr.io/dhoch3/aiservice-operator:0.1.0").endContainer().endSpec();
    if (jobUid != null) {
      built.editMetadata().addNewOwnerReference().withApiVersion("batch/v1").withKind("Job").withName("aiservice-inbox-1").withUid(jobUid)
          .withController(true).endOwnerReference().endMetadata();
    }
    client.resource(built.build()).create();
    return client.pods().inNamespace("studio").withName(name).editStatus(p -> {
      p.setStatus(pod.getStatus());
      return p;
    });
  }

  /**
   * The operator's pass over the inbox pods: each finished pod once, each record once (an existing
   * one is no error); a lookalike pod (the label copied, no Job of the inbox's CronJob above it, or a
   * Job that claims the CronJob's name with another uid) names nothing.
   */
  @Test
  void eachFinishedPodOfTheInboxIsRecordedOnceAndLookalikesNever() {
    try (var cluster = de.dhoch3.aiservices.embedded.EmbeddedCluster.start(); var client = cluster.newClient()) {
      cluster.ensureNamespace("studio");
      OperatorConfig config = OperatorConfig.defaults();
      config.inbox.enabled = true;
      config.inbox.namespace = "studio";
      config.checked();
      InboxSchedule.ensure(client, config);
      var cronJob = client.batch().v1().cronjobs().inNamespace("studio").withName("aiservice-inbox").get();
      java.util.function.BiFunction<String, String, String> job = (name, ownerUid) -> client.resource(
          new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder().withNewMetadata().withName(name).withNamespace("studio")
              .addToLabels("ai.dhoch3.de/component", "model-inbox")
              .addNewOwnerReference().withApiVersion("batch/v1").withKind("CronJob").withName("aiservice-inbox").withUid(ownerUid)
                .withController(true).endOwnerReference().endMetadata()
              .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("inbox").withImage("i").endContainer()
              .withRestartPolicy("Never").endSpec().endTemplate().endSpec().build()).create().getMetadata().getUid();
      String real = job.apply("aiservice-inbox-1", cronJob.getMetadata().getUid());
      String forgedJob = job.apply("aiservice-inbox-2", "not-the-cronjobs-uid");
      finishedPod(client, "aiservice-inbox-1-x", real);
      finishedPod(client, "lookalike", null);
      finishedPod(client, "aiservice-inbox-2-x", forgedJob);
      assertThat(InboxRecords.inboxPods(client, config)).extracting(p -> p.getMetadata().getName()).containsExactly("aiservice-inbox-1-x");
      String log = """
          record {"category":"vae","path":"ae.safetensors","size":3,"sha256":"%s","duplicate":false}
          """.formatted(SHA);
      InboxRecords records = new InboxRecords();
      assertThat(records.record(client, config, p -> log)).isEqualTo(1);
      assertThat(records.record(client, config, p -> log)).as("the same pod again").isZero();
      assertThat(new InboxRecords().record(client, config, p -> log)).as("after a restart: the record exists already").isZero();
      assertThat(client.resources(AIModel.class).inNamespace("studio").list().getItems()).extracting(m -> m.getMetadata().getName())
          .singleElement().asString().startsWith("upload-ae-safetensors-0123456789-");
    }
  }

  /** The run measures the store per category, the data per service folder, the outputs per service; the operator turns them into gauges. */
  @Test
  void storageFiguresGoFromTheRunsLogIntoMetrics(@TempDir Path root) throws Exception {
    Path store = Files.createDirectories(root.resolve("store/loras"));
    Files.write(store.resolve("a.safetensors"), new byte[1000]);
    Files.createDirectories(root.resolve("store/vae"));
    Path data = Files.createDirectories(root.resolve("data/ComfyUI/custom_nodes"));
    Files.write(data.resolve("x.py"), new byte[300]);
    Files.write(root.resolve("data/ComfyUI/y.db"), new byte[200]);
    Path output = Files.createDirectories(root.resolve("output/comfyui"));
    Files.write(output.resolve("img.png"), new byte[4096]);
    Files.createDirectories(root.resolve("uploads"));
    StringWriter out = new StringWriter();
    int exit = new picocli.CommandLine(new InboxCommand()).setOut(new PrintWriter(out))
        .execute("--uploads", root.resolve("uploads").toString(), "--store", root.resolve("store").toString(), "--settle-seconds", "0",
            "--measure-data", root.resolve("data").toString(), "--measure-output", root.resolve("output").toString());
    assertThat(exit).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(lines.size() - 1)).isEqualTo("moved 0, rejected 0, waiting 0");
    assertThat(lines.get(lines.size() - 2))
        .isEqualTo("storage {\"data\":{\"ComfyUI\":500},\"output\":{\"comfyui\":4096},\"store\":{\"loras\":1000,\"vae\":0}}");

    var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    OperatorConfig config = OperatorConfig.defaults();
    config.inbox.quotas.put("output", "4Ki");
    InboxRecords records = new InboxRecords(registry, config);
    records.read(out.toString());
    assertThat(registry.get("aiservice.storage").tag("area", "output").tag("folder", "comfyui").gauge().value()).isEqualTo(4096.0);
    assertThat(registry.get("aiservice.storage").tag("area", "store").tag("folder", "loras").gauge().value()).isEqualTo(1000.0);
    assertThat(registry.get("aiservice.storage.quota").tag("area", "output").gauge().value()).isEqualTo(4096.0);
    records.read("storage {\"output\":{\"comfyui-v2\":8192}}\nmoved 0, rejected 0, waiting 0");
    assertThat(registry.get("aiservice.storage").tag("area", "output").tag("folder", "comfyui-v2").gauge().value()).as("the newest run").isEqualTo(8192.0);
    assertThat(registry.find("aiservice.storage").tag("folder", "comfyui").gauge()).as("a folder renamed away is no figure any more").isNull();
    assertThat(registry.find("aiservice.storage").tag("folder", "loras").gauge()).isNull();
  }
}
