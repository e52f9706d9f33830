package de.dhoch3.aiservices.apps;

import static de.dhoch3.aiservices.apps.AppTranslationTest.aiservice;
import static de.dhoch3.aiservices.apps.AppTranslationTest.app;
import static de.dhoch3.aiservices.apps.AppTranslationTest.pod;
import static de.dhoch3.aiservices.apps.AppTranslationTest.prepareScript;
import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.workload.Workload;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The studio's shared caches (its storage document: storage-models/hf-hub, storage-models/torch-hub):
 * read-only for every app, each app's own cache on its data volume with the shared entries linked
 * in. huggingface_hub reads HF_HUB_CACHE before HF_HOME (constants.py), torch.hub reads TORCH_HOME
 * and downloads weights into $TORCH_HOME/hub/checkpoints (torch/hub.py get_dir, load_state_dict_from_url).
 */
class SharedCachesTest {
  @TempDir
  Path root;

  private static OperatorConfig studio() {
    OperatorConfig config = OperatorConfig.defaults();
    config.storage.caches.hfHub = VolumeRef.hostPath("/vol/service/cw/storage-models/hf-hub");
    config.storage.caches.torchHub = VolumeRef.hostPath("/vol/service/cw/storage-models/torch-hub");
    return config;
  }

  @Test
  void everyAppReadsTheSharedCachesReadOnlyAndDownloadsIntoItsOwn() {
    Workload comfy = WorkloadBuilder.build(aiservice(App.COMFYUI), studio());
    assertThat(pod(comfy).getVolumes()).anySatisfy(v -> {
      assertThat(v.getHostPath().getPath()).isEqualTo("/vol/service/cw/storage-models/hf-hub");
      assertThat(v.getHostPath().getType()).isEqualTo("Directory");
    });
    assertThat(app(comfy).getVolumeMounts()).filteredOn(m -> m.getMountPath().startsWith("/caches/"))
        .hasSize(2).allSatisfy(m -> assertThat(m.getReadOnly()).isTrue());
    assertThat(app(comfy).getEnv()).anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("HF_HUB_CACHE=/root/.cache/huggingface/hub"));
    assertThat(app(comfy).getEnv()).anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("TORCH_HOME=/root/.cache/torch"));
    // AI Toolkit keeps ~/.cache on its data volume
    Workload toolkit = WorkloadBuilder.build(aiservice(App.AI_TOOLKIT), studio());
    assertThat(app(toolkit).getEnv()).anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("HF_HUB_CACHE=/root/.cache/huggingface/hub"));
    // without caches configured: nothing of it
    assertThat(app(WorkloadBuilder.build(aiservice(App.COMFYUI), OperatorConfig.defaults())).getEnv()).noneMatch(e -> e.getName().equals("HF_HUB_CACHE"));
  }

  @Test
  void thePrepareStepLinksEverySharedRepositoryIntoTheAppsOwnCache() throws Exception {
    Path repo = root.resolve("aiservice/hf-hub/models--black-forest-labs--FLUX.1-dev");
    Path hf = Files.createDirectories(repo.resolve("snapshots/c0ffee/transformer"));
    Files.createDirectories(repo.resolve("blobs"));
    Files.writeString(repo.resolve("blobs/abc"), "weights");
    Files.createSymbolicLink(hf.resolve("config.json"), Path.of("../../../blobs/abc"));
    Files.createDirectories(repo.resolve("refs"));
    Files.writeString(repo.resolve("refs/main"), "c0ffee");
    Files.createDirectories(root.resolve("aiservice/hf-hub/.locks"));
    Path torch = Files.createDirectories(root.resolve("aiservice/torch-hub/checkpoints"));
    Files.writeString(torch.resolve("RealESRGAN_x4plus.pth"), "weights");
    Files.createDirectories(root.resolve("aiservice/torch-hub/facebookresearch_dinov2_main"));
    Path data = Files.createDirectories(root.resolve("aiservice/data"));
    String script = prepareScript(WorkloadBuilder.build(aiservice(App.COMFYUI), studio()))
        .replace("/aiservice/", root + "/aiservice/").replace("/dev/termination-log", root + "/log")
        .replaceAll("(?s)for path in .*?\ndone\n", "").replaceAll("(?m)^find .* -exec chown .*$", "");
    Process process = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(output).isZero();
    Path hub = data.resolve(".cache/huggingface/hub");
    // the repository is the app's own folder tree: whatever huggingface_hub writes (blobs, snapshot links, refs, temporary files) lands there
    Path mine = hub.resolve("models--black-forest-labs--FLUX.1-dev");
    for (String folder : List.of("", "blobs", "snapshots", "snapshots/c0ffee", "snapshots/c0ffee/transformer", "refs")) {
      assertThat(Files.isDirectory(mine.resolve(folder), java.nio.file.LinkOption.NOFOLLOW_LINKS)).as(folder).isTrue();
    }
    assertThat(Files.readSymbolicLink(mine.resolve("blobs/abc"))).isEqualTo(Path.of("/caches/hf-hub/models--black-forest-labs--FLUX.1-dev/blobs/abc"));
    assertThat(Files.readSymbolicLink(mine.resolve("snapshots/c0ffee/transformer/config.json")))
        .isEqualTo(Path.of("/caches/hf-hub/models--black-forest-labs--FLUX.1-dev/snapshots/c0ffee/transformer/config.json"));
    assertThat(Files.isSymbolicLink(mine.resolve("refs/main"))).as("refs are copied: the app moves its own").isFalse();
    assertThat(mine.resolve("refs/main")).hasContent("c0ffee");
    assertThat(hub.resolve(".locks")).as("locks are the app's own").doesNotExist();
    Path checkpoints = data.resolve(".cache/torch/hub/checkpoints");
    assertThat(Files.isSymbolicLink(checkpoints)).isFalse();
    assertThat(Files.readSymbolicLink(checkpoints.resolve("RealESRGAN_x4plus.pth"))).isEqualTo(Path.of("/caches/torch-hub/checkpoints/RealESRGAN_x4plus.pth"));
    assertThat(Files.readSymbolicLink(data.resolve(".cache/torch/hub/facebookresearch_dinov2_main")))
        .isEqualTo(Path.of("/caches/torch-hub/facebookresearch_dinov2_main"));
    assertThat(hf).exists();
  }
}
