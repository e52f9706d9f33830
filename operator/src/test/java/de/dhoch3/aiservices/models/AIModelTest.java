package de.dhoch3.aiservices.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIModel;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.AIModelSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import de.dhoch3.aiservices.reconcile.AIServiceOperator;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** AIModels through the real operator on the in-process API server; the test plays the Job controller and kubelet. */
public class AIModelTest {
  static final String NS = "studio";
  static EmbeddedCluster cluster;
  static KubernetesClient user;
  static Operator operator;

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start();
    cluster.ensureNamespace(NS);
    user = cluster.newClient();
    operator = AIServiceOperator.create(cluster.client(), OperatorConfig.defaults(), java.time.Clock.systemUTC(), null,
        de.dhoch3.aiservices.reconcile.OperatorHarness.STAY_IN_THE_JVM);
    operator.start();
  }

  @AfterAll
  static void stop() {
    operator.stop();
    user.close();
    cluster.close();
  }

  public static AIModel model(String name) {
    AIModel model = new AIModel();
    model.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    model.setSpec(new AIModelSpec());
    model.getSpec().source = new AIModelSpec.Source();
    model.getSpec().source.huggingFace = new AIModelSpec.HuggingFace();
    model.getSpec().source.huggingFace.repo = "black-forest-labs/FLUX.1-schnell";
    model.getSpec().source.huggingFace.file = "ae.safetensors";
    model.getSpec().category = "vae";
    return model;
  }

  /** Argo CD's health of the AIModel, from the same Lua as AIServices'. */
  private static String health(AIModel model) {
    try {
      return de.dhoch3.aiservices.reconcile.ArgoCdHealthCheckTest.health(model).status();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Job awaitJob(String model, String component) {
    await().atMost(Duration.ofSeconds(20)).until(() -> jobs(model, component).size() == 1);
    return jobs(model, component).get(0);
  }

  private static List<Job> jobs(String model, String component) {
    return user.batch().v1().jobs().inNamespace(NS).withLabel(ModelJobs.MODEL, model).withLabel(ModelJobs.COMPONENT, component).list().getItems();
  }

  /** As the Job controller and kubelet report a finished download: the pod's termination message, then the Job's condition. */
  private static void finish(Job job, String condition, int exitCode, String result) {
    Pod pod = new PodBuilder().withNewMetadata().withName(job.getMetadata().getName() + "-x7k2p").withNamespace(NS)
          .withLabels(job.getSpec().getTemplate().getMetadata().getLabels()).addToLabels("job-name", job.getMetadata().getName()).endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
        .withNewStatus().withPhase(exitCode == 0 ? "Succeeded" : "Failed")
          .addNewContainerStatus().withName("download").withReady(false).withRestartCount(0)
            .withNewState().withNewTerminated().withExitCode(exitCode).withMessage(result).endTerminated().endState()
          .endContainerStatus().endStatus().build();
    user.resource(pod).create();
    user.batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName()).editStatus(j -> {
      j.setStatus(new JobStatusBuilder().addNewCondition().withType(condition).withStatus("True")
          .withReason(exitCode == 0 ? "Completed" : "PodFailurePolicy").endCondition().build());
      return j;
    });
  }

  private static AIModel awaitCondition(String name, String type, String reason) {
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      AIModel m = user.resources(AIModel.class).inNamespace(NS).withName(name).get();
      return m != null && m.getStatus() != null && m.getStatus().conditions.stream()
          .anyMatch(c -> c.getType().equals(type) && "True".equals(c.getStatus()) && (reason == null || reason.equals(c.getReason())));
    });
    return user.resources(AIModel.class).inNamespace(NS).withName(name).get();
  }

  @Test
  void theDownloadJobIsTheOnlyWriterOfTheStoreAndOnlyOfTheCategoryFolder() {
    AIModel model = model("ae");
    model.getMetadata().setUid("00000000-0000-4000-8000-0000000000aa");
    model.getSpec().secretRef = new AIModelSpec.SecretRef();
    model.getSpec().secretRef.name = "hf-token";
    ModelJobs.Plan plan = ModelJobs.plan(model, OperatorConfig.defaults());
    Job job = ModelJobs.download(model, plan, OperatorConfig.defaults());
    var pod = job.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(plan.url()).isEqualTo("https://huggingface.co/black-forest-labs/FLUX.1-schnell/resolve/main/ae.safetensors");
    assertThat(container.getVolumeMounts()).filteredOn(m -> m.getName().equals("store")).singleElement().satisfies(m -> {
      assertThat(m.getSubPath()).isEqualTo("vae");
      assertThat(m.getReadOnly()).isNull();
    });
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("store")).singleElement()
        .satisfies(v -> assertThat(v.getHostPath().getPath()).isEqualTo("/vol/service/cw/storage-models/models"));
    // the token only as env from the Secret: never on the command line (kubectl describe, ps)
    assertThat(String.join(" ", container.getCommand())).doesNotContain("hf-token").contains("--file ae.safetensors");
    assertThat(container.getEnv()).singleElement().satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("hf-token"));
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(job.getSpec().getPodFailurePolicy().getRules().get(0).getOnExitCodes().getValues()).containsExactly(2, 3, 4, 5, 6);
  }

  @Test
  void theJobsCommandLinesAreWhatTheDownloadProgramAccepts() {
    AIModel model = model("contract");
    model.getSpec().sha256 = "c".repeat(64);
    ModelJobs.Plan plan = ModelJobs.plan(model, OperatorConfig.defaults());
    for (Job job : List.of(ModelJobs.download(model, plan, OperatorConfig.defaults()), ModelJobs.delete(model, plan, "d".repeat(64), OperatorConfig.defaults()))) {
      List<String> command = job.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand();
      assertThat(command.subList(0, 3)).containsExactly("java", "-jar", "/opt/aiservice-operator/aiservice-operator.jar");
      // picocli parses exactly these arguments, as the image's program will
      String[] arguments = command.subList(3, command.size()).toArray(String[]::new);
      var parsed = de.dhoch3.aiservices.cli.Main.commandLine(arguments).parseArgs(arguments);
      assertThat(parsed.subcommand().commandSpec().name()).isIn("download", "delete-model");
      assertThat(parsed.subcommand().matchedOptionValue("--dir", java.nio.file.Path.of("x"))).isEqualTo(java.nio.file.Path.of("/store"));
    }
  }

  @Test
  void badSourcesAndFoldersAreRefusedWithTheFieldNamed() {
    AIModel http = model("http");
    http.getSpec().source.huggingFace = null;
    http.getSpec().source.url = "http://example.com/x.safetensors";
    assertThatThrownBy(() -> ModelJobs.plan(http, OperatorConfig.defaults())).hasMessageContaining("spec.source.url");
    AIModel category = model("cat");
    category.getSpec().category = "../etc";
    assertThatThrownBy(() -> ModelJobs.plan(category, OperatorConfig.defaults())).hasMessageContaining("spec.category");
    AIModel outside = model("outside");
    outside.getSpec().models = VolumeRef.hostPath("/vol/service/cw/storage");
    assertThatThrownBy(() -> ModelJobs.plan(outside, OperatorConfig.defaults())).hasMessageContaining("spec.models.hostPath");
    AIModel traversal = model("traversal");
    traversal.getSpec().source.huggingFace.repo = "../../evil";
    assertThatThrownBy(() -> ModelJobs.plan(traversal, OperatorConfig.defaults())).hasMessageContaining("spec.source.huggingFace.repo");
    AIModel upFile = model("upfile");
    upFile.getSpec().source.huggingFace.file = "../secrets/token";
    assertThatThrownBy(() -> ModelJobs.plan(upFile, OperatorConfig.defaults())).hasMessageContaining("spec.source.huggingFace.file");
    AIModel two = model("two");
    two.getSpec().source.url = "https://example.com/x.safetensors";
    assertThatThrownBy(() -> ModelJobs.plan(two, OperatorConfig.defaults())).hasMessageContaining("exactly one of");
    AIModel badSum = model("badsum");
    badSum.getSpec().sha256 = "ABC";
    assertThatThrownBy(() -> ModelJobs.plan(badSum, OperatorConfig.defaults())).hasMessageContaining("spec.sha256");
    AIModel noName = model("noname");
    noName.getSpec().source.huggingFace = null;
    noName.getSpec().source.url = "https://example.com/download/";
    assertThatThrownBy(() -> ModelJobs.plan(noName, OperatorConfig.defaults())).hasMessageContaining("spec.fileName");
  }

  /** An AIModel author aiming the download Job elsewhere: each case one attempt, with the field the refusal must name. */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "https://user:pass@models.example.com/x.safetensors | false | spec.source.url",
      "https://169.254.169.254/latest/meta-data/x.bin | false | spec.source.url",
      "https://10.0.0.12/models/x.safetensors | false | spec.source.url",
      "https://[::1]/x.safetensors | false | spec.source.url",
      "https://2130706433/x.safetensors | false | spec.source.url",
      "https://0x7f000001/x.safetensors | false | spec.source.url",
      "https://minio/x.safetensors | false | spec.source.url",
      "https://minio.studio.svc/x.safetensors | false | spec.source.url",
      "https://minio.studio.svc.cluster.local./x.safetensors | false | spec.source.url",
      "https://LOCALHOST/x.safetensors | false | spec.source.url",
      "https://collector.attacker.example/x.safetensors | true | spec.secretRef"})
  void aDownloadAimedAtAnotherPlaceIsRefused(String url, boolean withToken, String field) {
    AIModel model = model("aimed");
    model.getSpec().source.huggingFace = null;
    model.getSpec().source.url = url;
    model.getSpec().fileName = "x.safetensors";
    if (withToken) {
      model.getSpec().secretRef = new AIModelSpec.SecretRef();
      model.getSpec().secretRef.name = "hf-token";
    }
    assertThatThrownBy(() -> ModelJobs.plan(model, OperatorConfig.defaults())).hasMessageContaining(field);
  }

  @Test
  void aTokenGoesToAHostTheAdminListsAndAPublicUrlNeedsNoList() {
    AIModel model = model("listed");
    model.getSpec().source.huggingFace = null;
    model.getSpec().source.url = "https://models.studio.example.com/x.safetensors";
    ModelJobs.plan(model, OperatorConfig.defaults());
    model.getSpec().secretRef = new AIModelSpec.SecretRef();
    model.getSpec().secretRef.name = "mirror-token";
    OperatorConfig config = OperatorConfig.defaults();
    config.policy.tokenHosts.add("models.studio.example.com");
    assertThat(ModelJobs.plan(model, config).url()).isEqualTo("https://models.studio.example.com/x.safetensors");
  }

  @Test
  void aDownloadIntoAClaimThatIsNotTheStoresIsRefused() {
    AIModel model = model("into-data");
    // another app's data claim: the Job would mount it writable
    model.getSpec().models = VolumeRef.claim("studio-data");
    assertThatThrownBy(() -> ModelJobs.plan(model, OperatorConfig.defaults())).hasMessageContaining("spec.models.claimName");
    OperatorConfig config = OperatorConfig.defaults();
    config.storage.storeClaims.add("studio-models");
    model.getSpec().models = VolumeRef.claim("studio-models");
    assertThat(ModelJobs.plan(model, config).store().volume().getPersistentVolumeClaim().getClaimName()).isEqualTo("studio-models");
  }

  @Test
  void onTheOneClaimLayoutADownloadStaysInsideTheStoresFolder() {
    OperatorConfig config = OperatorConfig.defaults();
    config.storage.models = VolumeRef.claim("studio");
    config.storage.models.subPath = "models";
    AIModel model = model("into-a-team");
    VolumeRef elsewhere = VolumeRef.claim("studio");
    elsewhere.subPath = "data/VictimComfyUI/ComfyUI/models";
    model.getSpec().models = elsewhere;
    assertThatThrownBy(() -> ModelJobs.plan(model, config)).hasMessageContaining("spec.models.subPath");
    VolumeRef inside = VolumeRef.claim("studio");
    inside.subPath = "Models/SDXL";
    model.getSpec().models = inside;
    assertThat(ModelJobs.plan(model, config).store().subPath()).isEqualTo("Models/SDXL/vae");
  }

  @Test
  void aModelCanGoIntoASubFolderOfItsCategoryAsTheStudioKeepsFlux() {
    AIModel flux = model("flux1-dev");
    flux.getSpec().source.huggingFace.file = "flux1-dev.safetensors";
    flux.getSpec().category = "diffusion_models";
    flux.getSpec().folder = "FLUX1";
    ModelJobs.Plan plan = ModelJobs.plan(flux, OperatorConfig.defaults());
    assertThat(plan.path()).isEqualTo("diffusion_models/FLUX1/flux1-dev.safetensors");
    assertThat(plan.store().subPath()).isEqualTo("diffusion_models/FLUX1");
    flux.getSpec().folder = "../checkpoints";
    assertThatThrownBy(() -> ModelJobs.plan(flux, OperatorConfig.defaults())).hasMessageContaining("spec.folder");
    flux.getSpec().folder = "FLUX1/.hidden";
    assertThatThrownBy(() -> ModelJobs.plan(flux, OperatorConfig.defaults())).hasMessageContaining("spec.folder");
  }

  /** AI Toolkit's FLUX training loads diffusers-format repositories (toolkit/stable_diffusion_model.py:649-672): a whole repo into the hub cache. */
  @Test
  void aWholeHuggingFaceRepositoryGoesIntoTheSharedHubCacheOnly() {
    AIModel repo = model("flux-dev-diffusers");
    repo.getSpec().source.huggingFace.repo = "black-forest-labs/FLUX.1-dev";
    repo.getSpec().source.huggingFace.file = null;
    repo.getSpec().category = null;
    assertThatThrownBy(() -> ModelJobs.plan(repo, OperatorConfig.defaults())).hasMessageContaining("storage.caches.hfHub");
    OperatorConfig config = OperatorConfig.defaults();
    config.storage.caches.hfHub = VolumeRef.hostPath("/vol/service/cw/storage-models/hf-hub");
    ModelJobs.Plan plan = ModelJobs.plan(repo, config);
    Job job = ModelJobs.download(repo, plan, config);
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getCommand()).containsSubsequence("download-repo", "--repo", "black-forest-labs/FLUX.1-dev", "--revision", "main");
    assertThat(container.getVolumeMounts().get(0).getSubPath()).isEqualTo("models--black-forest-labs--FLUX.1-dev");
    assertThat(job.getSpec().getTemplate().getSpec().getVolumes().get(0).getHostPath().getPath()).isEqualTo("/vol/service/cw/storage-models/hf-hub");
    assertThat(plan.path()).isEqualTo("hf-hub/models--black-forest-labs--FLUX.1-dev@main");
    // no category, no other place, never deleted by the operator
    repo.getSpec().category = "diffusion_models";
    assertThatThrownBy(() -> ModelJobs.plan(repo, config)).hasMessageContaining("spec.category");
    repo.getSpec().category = null;
    repo.getSpec().deletionPolicy = AIModelSpec.DeletionPolicy.DELETE;
    assertThatThrownBy(() -> ModelJobs.plan(repo, config)).hasMessageContaining("spec.deletionPolicy");
  }

  @Test
  void aSuccessfulDownloadMakesTheAIModelReadyWithSizeAndChecksum() {
    user.resource(model("flux-ae")).create();
    Job job = awaitJob("flux-ae", ModelJobs.DOWNLOAD);
    AIModel downloading = awaitCondition("flux-ae", "Reconciling", "Downloading");
    assertThat(downloading.getStatus().path).isEqualTo("vae/ae.safetensors");
    finish(job, "Complete", 0, "{\"result\":\"Downloaded\",\"bytes\":335304388,\"sha256\":\"afc8e28272cd15db3919bacdb6918ce9c1ed22e96cb12c4d5ed0fba823529e38\",\"path\":\"ae.safetensors\"}");
    AIModel ready = awaitCondition("flux-ae", "Ready", "Downloaded");
    assertThat(health(downloading)).isEqualTo("Progressing");
    assertThat(health(ready)).isEqualTo("Healthy");
    assertThat(ready.getStatus().bytes).isEqualTo(335304388L);
    assertThat(ready.getStatus().size).isEqualTo("319.8 MiB");
    assertThat(ready.getStatus().sha256).isEqualTo("afc8e28272cd15db3919bacdb6918ce9c1ed22e96cb12c4d5ed0fba823529e38");
  }

  /**
   * A file arriving in the store reaches apps that cannot list it again only at their next start
   * (README, "Apps see new files"): FluxGym (its fixed-name links are made at start) is restarted
   * like kubectl rollout restart does; ComfyUI, whose vae folder was linked at start, and InvokeAI,
   * which scans every minute, are not.
   */
  @Test
  void aDownloadedFileRestartsOnlyTheAppsThatSeeItOnlyAtStart() {
    Map<String, App> apps = Map.of("sees-fluxgym", App.FLUXGYM, "sees-comfyui", App.COMFYUI, "missed-comfyui", App.COMFYUI,
        "sees-invokeai", App.INVOKEAI);
    apps.forEach((name, app) -> {
      de.dhoch3.aiservices.api.AIService ai = new de.dhoch3.aiservices.api.AIService();
      ai.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
      ai.setSpec(new de.dhoch3.aiservices.api.AIServiceSpec());
      ai.getSpec().app = app;
      ai.getSpec().image = "registry.example.com/" + app.value() + ":1";
      ai.getSpec().storage = new de.dhoch3.aiservices.api.StorageSpec();
      ai.getSpec().storage.serviceDir = name;
      user.resource(ai).create();
    });
    await().atMost(Duration.ofSeconds(20)).until(() -> apps.keySet().stream()
        .allMatch(n -> user.apps().deployments().inNamespace(NS).withName(n).get() != null));
    // what the pods' prepare steps reported: one ComfyUI found the store's vae folder, the other did not (an empty own folder)
    for (String name : List.of("sees-comfyui", "missed-comfyui")) {
      await().atMost(Duration.ofSeconds(20)).until(() -> user.resources(de.dhoch3.aiservices.api.AIService.class).inNamespace(NS)
          .withName(name).get().getStatus() != null);
      boolean found = name.startsWith("sees");
      user.resources(de.dhoch3.aiservices.api.AIService.class).inNamespace(NS).withName(name).editStatus(a -> {
        a.getStatus().modelPaths.stream().filter(p -> "vae".equals(p.source)).forEach(p -> p.found = found);
        return a;
      });
    }

    user.resource(model("arriving")).create();
    Job job = awaitJob("arriving", ModelJobs.DOWNLOAD);
    finish(job, "Complete", 0, "{\"result\":\"Downloaded\",\"bytes\":10,\"path\":\"ae.safetensors\"}");
    awaitCondition("arriving", "Ready", "Downloaded");
    for (String restarted : List.of("sees-fluxgym", "missed-comfyui")) {
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(user.apps().deployments().inNamespace(NS).withName(restarted).get()
          .getSpec().getTemplate().getMetadata().getAnnotations()).as(restarted).containsKey("kubectl.kubernetes.io/restartedAt"));
    }
    for (String untouched : List.of("sees-comfyui", "sees-invokeai")) {
      var annotations = user.apps().deployments().inNamespace(NS).withName(untouched).get().getSpec().getTemplate().getMetadata().getAnnotations();
      assertThat(annotations == null ? java.util.Map.of() : annotations).as(untouched).doesNotContainKey("kubectl.kubernetes.io/restartedAt");
    }
  }

  @Test
  void aRunningDownloadShowsItsProgress() {
    user.resource(model("big")).create();
    Job job = awaitJob("big", ModelJobs.DOWNLOAD);
    Pod pod = new PodBuilder().withNewMetadata().withName(job.getMetadata().getName() + "-r4nd0").withNamespace(NS)
          .withLabels(job.getSpec().getTemplate().getMetadata().getLabels()).addToLabels("job-name", job.getMetadata().getName()).endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec()).withNewStatus().withPhase("Running").endStatus().build();
    // what the download program prints; the in-process server has no kubelet to serve logs: the test does
    cluster.server().inject(request -> request.getPath().contains("/pods/" + pod.getMetadata().getName() + "/log")
        ? new io.fabric8.mockwebserver.http.MockResponse().setResponseCode(200).setBody("starting\nprogress 1073741824/4294967296\n")
        : null);
    try {
      user.resource(pod).create();
      await().atMost(Duration.ofSeconds(20)).until(() -> "1.0 GiB / 4.0 GiB (25 %)".equals(
          user.resources(AIModel.class).inNamespace(NS).withName("big").get().getStatus().size));
    } finally {
      cluster.server().inject(null);
    }
    assertThat(AIModelReconciler.parseProgress("progress 5/0")).contains("5 B / ?");
    assertThat(AIModelReconciler.parseProgress("nothing yet")).isEmpty();
  }

  @Test
  void aMissingFileEndsInStalledNotInEndlessRetries() {
    user.resource(model("gone")).create();
    Job job = awaitJob("gone", ModelJobs.DOWNLOAD);
    finish(job, "Failed", 3, "{\"result\":\"NotFound\",\"message\":\"404 from huggingface.co\"}");
    AIModel stalled = awaitCondition("gone", "Stalled", "NotFound");
    assertThat(stalled.getStatus().conditions).filteredOn(c -> c.getType().equals("Stalled")).singleElement()
        .satisfies(c -> assertThat(c.getMessage()).contains("404").contains("spec.source"));
    assertThat(jobs("gone", ModelJobs.DOWNLOAD)).hasSize(1);
    assertThat(health(stalled)).isEqualTo("Degraded");
  }

  @Test
  void deletionKeepsTheFileByDefaultAndRemovesItOnlyWithDeletePolicyThroughAJob() {
    AIModel retained = model("kept");
    user.resource(retained).create();
    finish(awaitJob("kept", ModelJobs.DOWNLOAD), "Complete", 0, "{\"result\":\"Downloaded\",\"bytes\":10,\"sha256\":\"" + "a".repeat(64) + "\"}");
    awaitCondition("kept", "Ready", null);
    user.resources(AIModel.class).inNamespace(NS).withName("kept").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> user.resources(AIModel.class).inNamespace(NS).withName("kept").get() == null);
    assertThat(jobs("kept", ModelJobs.DELETE)).isEmpty();

    AIModel deleted = model("removed");
    deleted.getSpec().deletionPolicy = AIModelSpec.DeletionPolicy.DELETE;
    user.resource(deleted).create();
    finish(awaitJob("removed", ModelJobs.DOWNLOAD), "Complete", 0, "{\"result\":\"Downloaded\",\"bytes\":10,\"sha256\":\"" + "b".repeat(64) + "\"}");
    awaitCondition("removed", "Ready", null);
    user.resources(AIModel.class).inNamespace(NS).withName("removed").delete();
    Job delete = awaitJob("removed", ModelJobs.DELETE);
    // exactly the file, and only while its checksum is the recorded one
    assertThat(String.join(" ", delete.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand()))
        .contains("delete-model").contains("--file ae.safetensors").contains("--sha256 " + "b".repeat(64));
    assertThat(user.resources(AIModel.class).inNamespace(NS).withName("removed").get()).as("held until the file is gone").isNotNull();
    finish(delete, "Complete", 0, "{\"result\":\"Deleted\"}");
    await().atMost(Duration.ofSeconds(20)).until(() -> user.resources(AIModel.class).inNamespace(NS).withName("removed").get() == null);
  }
}
