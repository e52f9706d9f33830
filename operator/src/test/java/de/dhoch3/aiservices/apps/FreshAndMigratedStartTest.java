package de.dhoch3.aiservices.apps;

import static de.dhoch3.aiservices.apps.AppTranslationTest.aiservice;
import static de.dhoch3.aiservices.apps.AppTranslationTest.build;
import static de.dhoch3.aiservices.apps.AppTranslationTest.pod;
import static de.dhoch3.aiservices.apps.AppTranslationTest.prepareScript;
import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.Container;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first start of an app on a fresh data folder and on one migrated from the studio's compose
 * stack (folders a host user made, an old config): the prepare step runs as rendered, as root with
 * only the capabilities the pod gives it, then the app's own start-up writes run as the app's user
 * with the capabilities the pod gives the app. The writes are the app's, from its source (file and
 * line in ../shared/reference/app-catalog.md), not from the operator's code. Needs root and
 * util-linux setpriv to switch users and drop capabilities; elsewhere the tests are skipped, not passed.
 */
class FreshAndMigratedStartTest {
  /** Fooocus' Dockerfile:17 {@code adduser user}: the image's first user. */
  private static final int FOOOCUS_UID = 1000;
  /** A host user of the studio's workstation who made the migrated folders. */
  private static final int HOST_USER = 1001;

  @TempDir
  Path root;

  @BeforeEach
  void needsRootAndSetpriv() throws Exception {
    Assumptions.assumeTrue(System.getProperty("user.name").equals("root") && Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "needs root and setpriv to run as the app's user");
    // the app's user must reach the scratch folders
    for (Path p = root; p != null && !p.equals(p.getRoot()); p = p.getParent()) {
      if (p.startsWith(Path.of(System.getProperty("java.io.tmpdir")))) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  private Path data() throws IOException {
    return Files.createDirectories(root.resolve("aiservice/data"));
  }

  /** Runs as {@code uid} with exactly {@code capabilities} (a root process keeps only those). */
  private Run as(int uid, List<String> capabilities, String script) throws Exception {
    String local = script.replace("/aiservice/", root + "/aiservice/").replace("/dev/termination-log", root + "/termination-log")
        .replace("/content/app/", root + "/app/");
    String caps = capabilities.isEmpty() ? "-all" : "-all," + String.join(",", capabilities.stream().map(c -> "+" + c.toLowerCase(Locale.ROOT)).toList());
    List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
        "--inh-caps=-all", "--bounding-set=" + caps, "sh", "-c", local));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(process.waitFor(), output);
  }

  record Run(int exit, String output) {}

  private static Container init(Workload workload, String name) {
    return pod(workload).getInitContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  private static List<String> added(Container container) {
    var caps = container.getSecurityContext().getCapabilities();
    return caps == null || caps.getAdd() == null ? List.of() : caps.getAdd();
  }

  private void writeConfig(Workload workload) throws IOException {
    if (workload.configMap() == null) {
      return;
    }
    Path config = Files.createDirectories(root.resolve("aiservice/config"));
    for (var entry : workload.configMap().getData().entrySet()) {
      Files.writeString(config.resolve(entry.getKey()), entry.getValue());
    }
  }

  private static void chownTree(Path path, int uid) throws Exception {
    assertThat(new ProcessBuilder("chown", "-R", uid + ":" + uid, path.toString()).start().waitFor()).isZero();
  }

  /**
   * Fooocus v2.5.5 at start, as its user: entrypoint.sh:21-23 ({@code cp -Rpn models.org/. models/}
   * into the data folder's models), modules/config.py (makedirs of vae_approx, the prompt expansion
   * and inpaint folders; config_example_path rewritten), and its temp folder.
   */
  private String fooocusStart() {
    String data = "/aiservice/data";
    return String.join("\n",
        "set -e",
        "cp -Rpn /content/app/models.org/. " + data + "/models/",
        "mkdir -p " + data + "/models/vae_approx " + data + "/models/prompt_expansion/fooocus_expansion " + data + "/models/inpaint",
        "echo '{}' > " + data + "/config_modification_tutorial.txt",
        "mkdir -p " + data + "/temp",
        "cat " + data + "/.aiservice/config.txt > /dev/null");
  }

  /** The image's models.org: its own files, owned by its user (Dockerfile COPY --chown). */
  private void fooocusImage() throws Exception {
    Path org = Files.createDirectories(root.resolve("app/models.org"));
    Files.createDirectories(org.resolve("checkpoints"));
    Files.writeString(org.resolve("checkpoints/put_checkpoints_here"), "");
    Files.createDirectories(org.resolve("prompt_expansion/fooocus_expansion"));
    Files.writeString(org.resolve("prompt_expansion/fooocus_expansion/config.json"), "{}");
    Files.createDirectories(org.resolve("vae_approx"));
    Files.writeString(org.resolve("vae_approx/put_taesd_encoder_here"), "");
    chownTree(root.resolve("app"), FOOOCUS_UID);
  }

  @Test
  void fooocusStartsOnAFreshDataFolder() throws Exception {
    Workload fooocus = build(aiservice(App.FOOOCUS));
    writeConfig(fooocus);
    fooocusImage();
    data();
    Files.createDirectories(root.resolve("aiservice/output"));
    Run prepare = as(0, added(init(fooocus, "prepare")), prepareScript(fooocus));
    assertThat(prepare.exit()).as(prepare.output()).isZero();
    Run start = as(FOOOCUS_UID, added(pod(fooocus).getContainers().get(0)), fooocusStart());
    assertThat(start.exit()).as(start.output()).isZero();
    assertThat(data().resolve("models/checkpoints/put_checkpoints_here")).exists();
  }

  @Test
  void fooocusStartsOnAFolderMigratedFromAnotherUser() throws Exception {
    Workload fooocus = build(aiservice(App.FOOOCUS));
    writeConfig(fooocus);
    fooocusImage();
    Path models = Files.createDirectories(data().resolve("models/checkpoints"));
    Files.writeString(models.resolve("old-model.safetensors"), "weights");
    Files.createDirectories(data().resolve("models/prompt_expansion/fooocus_expansion"));
    Files.writeString(data().resolve("config.txt"), "{\"path_checkpoints\": \"/old\"}");
    // Fooocus' own docker-compose.yml set config_example_path to this file: migrated folders carry it
    Files.writeString(data().resolve("config_modification_tutorial.txt"), "old");
    chownTree(data(), HOST_USER);
    chownTree(Files.createDirectories(root.resolve("aiservice/output")), HOST_USER);
    Run prepare = as(0, added(init(fooocus, "prepare")), prepareScript(fooocus));
    assertThat(prepare.exit()).as(prepare.output()).isZero();
    Run start = as(FOOOCUS_UID, added(pod(fooocus).getContainers().get(0)), fooocusStart());
    assertThat(start.exit()).as(start.output()).isZero();
    assertThat(data().resolve("models/checkpoints/old-model.safetensors")).hasContent("weights");
  }

  @Test
  void aStoreFileHardLinkedIntoFooocusModelsKeepsItsOwner() throws Exception {
    Workload fooocus = build(aiservice(App.FOOOCUS));
    writeConfig(fooocus);
    Path storeFile = Files.createDirectories(root.resolve("aiservice/models/checkpoints")).resolve("sdxl.safetensors");
    Files.writeString(storeFile, "weights");
    chownTree(storeFile, HOST_USER);
    Path own = Files.createDirectories(data().resolve("models/checkpoints"));
    // a host user saved space with a hard link to the store's file
    Files.createLink(own.resolve("sdxl.safetensors"), storeFile);
    chownTree(data(), HOST_USER);
    Files.createDirectories(root.resolve("aiservice/output"));
    Run prepare = as(0, added(init(fooocus, "prepare")), prepareScript(fooocus));
    assertThat(prepare.exit()).as(prepare.output()).isZero();
    assertThat(Files.getAttribute(storeFile, "unix:uid")).as("the store's file is never handed to the app").isEqualTo(HOST_USER);
  }

  /**
   * ComfyUI at start (runs as root, yanwk/comfyui-boot): writes its settings and database under
   * user/ (app/user_manager.py, the default --database-url sqlite:///<ComfyUI>/../user/comfyui.db)
   * and custom nodes' files; here in a /root a host user made.
   */
  @Test
  void comfyuiAsRootWritesIntoAMigratedFolderOfAnotherUser() throws Exception {
    Workload comfy = build(aiservice(App.COMFYUI));
    Path user = Files.createDirectories(data().resolve("ComfyUI/user/default"));
    Files.createDirectories(data().resolve("ComfyUI/custom_nodes/old-node"));
    chownTree(data(), HOST_USER);
    Files.setPosixFilePermissions(user, PosixFilePermissions.fromString("rwxr-xr-x"));
    writeConfig(comfy);
    Run prepare = as(0, added(init(comfy, "prepare")), prepareScript(comfy));
    assertThat(prepare.exit()).as(prepare.output()).isZero();
    String start = String.join("\n", "set -e",
        "echo '{}' > /aiservice/data/ComfyUI/user/default/comfy.settings.json",
        "echo db > /aiservice/data/ComfyUI/user/comfyui.db",
        "echo x > /aiservice/data/ComfyUI/custom_nodes/old-node/cache.json");
    Run app = as(0, added(pod(comfy).getContainers().get(0)), start);
    assertThat(app.exit()).as(app.output()).isZero();
  }

  /** Every "found" line of the prepare step's report names a link or folder that is there. */
  private void everyReportedLinkExists(Workload workload) throws IOException {
    String report = Files.readString(root.resolve("termination-log"));
    for (var link : pod(workload).getInitContainers().get(0).getCommand().get(2).lines()
        .filter(l -> l.startsWith("link_folder ") || l.startsWith("link_file ")).toList()) {
      String[] words = link.split("'");
      String source = words[1];
      String at = words[3];
      if (report.contains("found " + source + "\n") || report.contains("found " + source + " ")) {
        assertThat(Files.exists(data().resolve(at), java.nio.file.LinkOption.NOFOLLOW_LINKS)).as(at + " reported found").isTrue();
      }
    }
  }

  private Run prepare(Workload workload) throws Exception {
    writeConfig(workload);
    // the folders kubelet mounts for the step: the output folder and writable user folders, as a host user left them
    for (String mount : List.of("aiservice/output", "aiservice/user-0")) {
      chownTree(Files.createDirectories(root.resolve(mount)), HOST_USER);
    }
    Files.createDirectories(root.resolve("aiservice/models/loras"));
    Files.createDirectories(root.resolve("aiservice/models/checkpoints"));
    Run prepare = as(0, added(init(workload, "prepare")), prepareScript(workload));
    assertThat(prepare.exit()).as(prepare.output()).isZero();
    everyReportedLinkExists(workload);
    return prepare;
  }

  /**
   * FluxGym (UID 1000, its Dockerfile's appuser) at start and on its first training: downloads missing
   * weights into models/{unet,clip,vae} (app.py download(), hf_hub_download into models/), writes
   * outputs/<lora>/ and datasets/<lora>/ (app.py start_training, upload).
   */
  @Test
  void fluxgymTrainsOnAMigratedFolderAsItsUser() throws Exception {
    Workload gym = build(aiservice(App.FLUXGYM));
    Files.createDirectories(data().resolve("models/unet"));
    chownTree(data(), HOST_USER);
    prepare(gym);
    String start = String.join("\n", "set -e",
        "echo w > /aiservice/data/models/unet/flux1-dev.sft.part", "echo w > /aiservice/data/models/clip/clip_l.safetensors",
        "echo w > /aiservice/data/models/vae/ae.sft",
        "mkdir -p /aiservice/output/my-lora && echo x > /aiservice/output/my-lora/my-lora.safetensors",
        "mkdir -p /aiservice/user-0/my-lora && echo img > /aiservice/user-0/my-lora/1.png");
    Run app = as(1000, added(pod(gym).getContainers().get(0)), start);
    assertThat(app.exit()).as(app.output()).isZero();
  }

  /** AI Toolkit (root) on a migrated folder: downloads into MODELS_PATH (minimax_h3.py:109-117), its HF cache, DATA_ROOT uploads. */
  @Test
  void aiToolkitWritesItsModelsCacheAndDataOnAMigratedFolder() throws Exception {
    Workload toolkit = build(aiservice(App.AI_TOOLKIT));
    Files.createDirectories(data().resolve("models/diffusion_models"));
    Files.createDirectories(data().resolve("cache/huggingface"));
    Files.createDirectories(data().resolve("data/images"));
    chownTree(data(), HOST_USER);
    prepare(toolkit);
    String start = String.join("\n", "set -e",
        "echo w > /aiservice/data/models/diffusion_models/minimax_h3.safetensors",
        "echo c > /aiservice/data/cache/huggingface/token", "echo u > /aiservice/data/data/images/upload.png",
        "mkdir -p /aiservice/output/job1 && echo x > /aiservice/output/job1/log.txt");
    Run app = as(0, added(pod(toolkit).getContainers().get(0)), start);
    assertThat(app.exit()).as(app.output()).isZero();
  }

  /** Forge (root) on a migrated data folder: config.json, ui-config.json, models/VAE-approx downloads, outputs (modules/paths, shared). */
  @Test
  void forgeWritesItsSettingsAndDownloadsOnAMigratedFolder() throws Exception {
    Workload forge = build(aiservice(App.FORGE));
    Files.createDirectories(data().resolve("models/VAE-approx"));
    Files.writeString(data().resolve("config.json"), "{}");
    chownTree(data(), HOST_USER);
    prepare(forge);
    String start = String.join("\n", "set -e",
        "echo '{}' > /aiservice/data/config.json", "echo '{}' > /aiservice/data/ui-config.json",
        "echo w > /aiservice/data/models/VAE-approx/model.pt", "mkdir -p /aiservice/data/cache && echo c > /aiservice/data/cache/cache.json");
    Run app = as(0, added(pod(forge).getContainers().get(0)), start);
    assertThat(app.exit()).as(app.output()).isZero();
  }

  /**
   * InvokeAI: docker-entrypoint.sh chowns INVOKEAI_ROOT to CONTAINER_UID (1000) as root with the
   * app's capabilities, then runs as 1000, which writes its database, models and the outputs folder
   * (INVOKEAI_OUTPUTS_DIR, outside the root: handed to 1000 by the prepare step).
   */
  @Test
  void invokeaiWritesItsDatabaseAndOutputsAsItsUser() throws Exception {
    Workload invoke = build(aiservice(App.INVOKEAI));
    Files.createDirectories(data().resolve("databases"));
    chownTree(data(), HOST_USER);
    prepare(invoke);
    Run entrypoint = as(0, added(pod(invoke).getContainers().get(0)), "chown -R 1000:1000 /aiservice/data");
    assertThat(entrypoint.exit()).as(entrypoint.output()).isZero();
    String start = String.join("\n", "set -e",
        "echo db > /aiservice/data/databases/invokeai.db", "mkdir -p /aiservice/data/models/.download_cache",
        "mkdir -p /aiservice/output/images && echo png > /aiservice/output/images/1.png");
    Run app = as(1000, List.of(), start);
    assertThat(app.exit()).as(app.output()).isZero();
  }

  @Test
  void aLinkThePrepareStepCannotMakeStopsThePodNamingThePath() throws Exception {
    Workload forge = build(aiservice(App.FORGE));
    Files.createDirectories(root.resolve("aiservice/models/loras"));
    // a file where the link must go, in a folder the step may not write (made read-only, and root without DAC_OVERRIDE...)
    Path store = Files.createDirectories(data().resolve("store"));
    Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("r-xr-xr-x"));
    chownTree(store, HOST_USER);
    Run prepare = as(0, List.of("CHOWN"), prepareScript(forge));
    assertThat(prepare.exit()).as(prepare.output()).isNotZero();
    assertThat(Files.readString(root.resolve("termination-log"))).contains("failed store/loras").doesNotContain("found loras");
  }
}
