package de.dhoch3.aiservices.apps;

import static de.dhoch3.aiservices.apps.AppTranslationTest.aiservice;
import static de.dhoch3.aiservices.apps.AppTranslationTest.build;
import static de.dhoch3.aiservices.apps.AppTranslationTest.pod;
import static de.dhoch3.aiservices.apps.AppTranslationTest.prepareScript;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ModelsSpec;
import de.dhoch3.aiservices.workload.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prepare and seed steps' shell scripts, exactly as rendered, run with the machine's sh on a
 * scratch store and data folder: what exists is linked, what is missing never stops the app and
 * never appears in the store, and a real database is never replaced.
 */
class PrepareScriptTest {
  @TempDir
  Path root;

  private Path store() throws IOException {
    return Files.createDirectories(root.resolve("aiservice/models"));
  }

  private Path data() throws IOException {
    return Files.createDirectories(root.resolve("aiservice/data"));
  }

  /** Runs a step's script with its absolute folders moved under the scratch root; ownership changes need root and are left out. */
  private Result run(String script) throws Exception {
    String local = script.replace("/aiservice/", root + "/aiservice/").replace("/dev/termination-log", root + "/termination-log")
        .replaceAll("(?s)for path in .*?\ndone\n", "").replaceAll("(?m)^find .* -exec chown .*$", "");
    Process process = new ProcessBuilder("sh", "-c", local).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = process.waitFor();
    Path log = root.resolve("termination-log");
    return new Result(exit, output, Files.exists(log) ? Files.readString(log) : "");
  }

  record Result(int exit, String output, String report) {}

  private static List<String> listing(Path folder) throws IOException {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.map(p -> folder.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void forgeGetsLinksForWhatTheStoreHasAndItsOwnEmptyFoldersForTheRest() throws Exception {
    Path store = store();
    Files.createDirectories(store.resolve("checkpoints"));
    Files.createDirectories(store.resolve("loras"));
    Files.writeString(store.resolve("loras/style.safetensors"), "x");
    List<String> storeBefore = listing(store);
    Workload forge = build(aiservice(App.FORGE));

    Result first = run(prepareScript(forge));
    assertThat(first.exit()).as(first.output()).isZero();
    Path data = data();
    assertThat(Files.readSymbolicLink(data.resolve("models/Stable-diffusion/checkpoints"))).isEqualTo(Path.of("/models/checkpoints"));
    assertThat(Files.readSymbolicLink(data.resolve("store/loras/loras"))).isEqualTo(Path.of("/models/loras"));
    // Forge makedirs --hypernetwork-dir: a folder of its own, writable, instead of a missing read-only one
    assertThat(data.resolve("store/hypernetworks")).isDirectory();
    assertThat(Files.isSymbolicLink(data.resolve("store/hypernetworks"))).isFalse();
    assertThat(first.report()).contains("found checkpoints\n", "found loras\n", "missing hypernetworks\n", "missing diffusion_models\n");
    assertThat(listing(store)).as("nothing created in the store").isEqualTo(storeBefore);

    // the category appears in the store later: the next start links it; a folder the app filled is kept
    Files.createDirectories(store.resolve("hypernetworks"));
    Files.createDirectories(store.resolve("vae"));
    Files.writeString(data.resolve("store/vae/downloaded.safetensors"), "the app's own");
    Result second = run(prepareScript(forge));
    assertThat(second.exit()).isZero();
    assertThat(Files.readSymbolicLink(data.resolve("store/hypernetworks"))).isEqualTo(Path.of("/models/hypernetworks"));
    assertThat(data.resolve("store/vae/downloaded.safetensors")).hasContent("the app's own");
    assertThat(second.report()).contains("kept vae: the app's own folder store/vae is not empty, so it is kept and the store's vae is not linked");
  }

  /**
   * AI Toolkit downloads missing weights into MODELS_PATH/{diffusion_models,text_encoders,vae}
   * (ostris/ai-toolkit minimax_h3.py:109-117, hf_hub_download(local_dir=MODELS_PATH)): those must
   * be real folders of its own, the store's files seen in them as links.
   */
  @Test
  void aiToolkitsModelFoldersAreItsOwnWithTheStoresFilesLinkedIn() throws Exception {
    Path store = store();
    Files.createDirectories(store.resolve("diffusion_models/FLUX1"));
    Files.writeString(store.resolve("diffusion_models/flux1-dev.safetensors"), "weights");
    Files.createDirectories(store.resolve("text_encoders"));
    Files.writeString(store.resolve("text_encoders/t5xxl_fp16.safetensors"), "t5");
    // an older start left a link where the folder must be, and a link to a store file that is gone
    Files.createDirectories(data().resolve("models"));
    Files.createSymbolicLink(data().resolve("models/vae"), Path.of("/models/vae"));
    Files.createDirectories(data().resolve("models/text_encoders"));
    Files.createSymbolicLink(data().resolve("models/text_encoders/gone.safetensors"), Path.of("/models/text_encoders/gone.safetensors"));
    Result result = run(prepareScript(build(aiservice(App.AI_TOOLKIT))));
    assertThat(result.exit()).as(result.output()).isZero();
    Path models = data().resolve("models");
    for (String category : List.of("diffusion_models", "text_encoders", "vae")) {
      assertThat(Files.isDirectory(models.resolve(category), java.nio.file.LinkOption.NOFOLLOW_LINKS)).as(category).isTrue();
      assertThat(Files.isSymbolicLink(models.resolve(category))).as(category).isFalse();
    }
    assertThat(Files.readSymbolicLink(models.resolve("diffusion_models/flux1-dev.safetensors")))
        .isEqualTo(Path.of("/models/diffusion_models/flux1-dev.safetensors"));
    // a sub-folder of the store is a real folder too (AI Toolkit walks its folders without following links)
    assertThat(Files.isDirectory(models.resolve("diffusion_models/FLUX1"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Files.isSymbolicLink(models.resolve("diffusion_models/FLUX1"))).isFalse();
    assertThat(Files.readSymbolicLink(models.resolve("text_encoders/t5xxl_fp16.safetensors")))
        .isEqualTo(Path.of("/models/text_encoders/t5xxl_fp16.safetensors"));
    assertThat(models.resolve("text_encoders/gone.safetensors")).doesNotExist();
    assertThat(Files.isSymbolicLink(models.resolve("text_encoders/gone.safetensors"))).isFalse();
    assertThat(result.report()).contains("found diffusion_models", "found text_encoders", "missing vae");
    // a download lands on the app's side
    Files.writeString(models.resolve("vae/ae.safetensors"), "downloaded");
    assertThat(listing(store)).doesNotContain("vae", "vae/ae.safetensors");
  }

  @Test
  void anOwnFileWhereALinkShouldGoIsReportedKeptNeverFound() throws Exception {
    Path store = store();
    Files.createDirectories(store.resolve("diffusion_models/FLUX1"));
    Files.writeString(store.resolve("diffusion_models/FLUX1/flux1-dev.safetensors"), "weights");
    // a migrated folder: an empty file where FluxGym's fixed name is
    Files.createDirectories(data().resolve("models/unet"));
    Files.writeString(data().resolve("models/unet/flux1-dev.sft"), "");
    Result result = run(prepareScript(build(aiservice(App.FLUXGYM))));
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(result.report()).contains("kept diffusion_models/flux1-dev.safetensors").doesNotContain("found diffusion_models/flux1-dev.safetensors");
    assertThat(Files.isSymbolicLink(data().resolve("models/unet/flux1-dev.sft"))).isFalse();
  }

  @Test
  void aCheckpointNameWithQuotesAndBackslashesStaysValidJsonInFooocusConfig() throws Exception {
    Path store = store();
    Files.createDirectories(store.resolve("checkpoints"));
    Files.writeString(store.resolve("checkpoints/my \"best\" a\\b & co|x.safetensors"), "x");
    Workload fooocus = build(aiservice(App.FOOOCUS));
    writeTemplate(fooocus);
    Result result = run(prepareScript(fooocus));
    assertThat(result.exit()).as(result.output()).isZero();
    JsonNode config = new ObjectMapper().readTree(data().resolve(".aiservice/config.txt").toFile());
    assertThat(config.get("default_model").asText()).isEqualTo("my \"best\" a\\b & co|x.safetensors");
  }

  @Test
  void aStoreFileThatMovedBetweenAliasFoldersStaysLinkedForAiToolkit() throws Exception {
    Path store = store();
    Files.createDirectories(store.resolve("diffusion_models"));
    Files.createDirectories(store.resolve("unet"));
    Files.writeString(store.resolve("diffusion_models/flux.safetensors"), "w");
    // the last start linked it from unet/, where it no longer is
    Files.createDirectories(data().resolve("models/diffusion_models"));
    Files.createSymbolicLink(data().resolve("models/diffusion_models/flux.safetensors"), Path.of("/models/unet/flux.safetensors"));
    Result result = run(prepareScript(build(aiservice(App.AI_TOOLKIT))));
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(Files.readSymbolicLink(data().resolve("models/diffusion_models/flux.safetensors")))
        .isEqualTo(Path.of("/models/diffusion_models/flux.safetensors"));
  }

  /** The studio keeps Flux in storage-models/models/diffusion_models/FLUX1/ (its storage document, Model Categories). */
  @Test
  void fluxgymFindsFluxWeightsInTheStudiosFlux1Folder() throws Exception {
    Path store = store();
    Files.createDirectories(store.resolve("diffusion_models/FLUX1"));
    Files.writeString(store.resolve("diffusion_models/FLUX1/flux1-dev.safetensors"), "weights");
    Result result = run(prepareScript(build(aiservice(App.FLUXGYM))));
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(Files.readSymbolicLink(data().resolve("models/unet/flux1-dev.sft")))
        .isEqualTo(Path.of("/models/diffusion_models/FLUX1/flux1-dev.safetensors"));
    assertThat(result.report()).contains("found diffusion_models/flux1-dev.safetensors", "missing diffusion_models/flux1-schnell.safetensors");
  }

  @Test
  void fluxgymGetsOnlyTheFilesTheStoreHoldsUnderItsNames() throws Exception {
    Path store = store();
    Files.createDirectories(store.resolve("vae"));
    Files.writeString(store.resolve("vae/ae.safetensors"), "vae");
    Result result = run(prepareScript(build(aiservice(App.FLUXGYM))));
    assertThat(result.exit()).as(result.output()).isZero();
    Path models = data().resolve("models");
    assertThat(Files.readSymbolicLink(models.resolve("vae/ae.sft"))).isEqualTo(Path.of("/models/vae/ae.safetensors"));
    // missing weights: no link, a writable folder FluxGym downloads into
    assertThat(models.resolve("unet/flux1-dev.sft")).doesNotExist();
    assertThat(models.resolve("unet")).isDirectory();
    assertThat(models.resolve("clip")).isDirectory();
    assertThat(result.report()).contains("found vae/ae.safetensors", "missing diffusion_models/flux1-dev.safetensors");
    assertThat(listing(store)).containsExactly("", "vae", "vae/ae.safetensors");
  }

  @Test
  void fooocusStartsWithACheckpointTheStoreHasOrTheOneTheSpecNames() throws Exception {
    Path store = store();
    Files.createDirectories(store.resolve("checkpoints"));
    Files.writeString(store.resolve("checkpoints/juggernautXL_v8.safetensors"), "x");
    Files.writeString(store.resolve("checkpoints/notes.txt"), "not a model");
    Workload fooocus = build(aiservice(App.FOOOCUS));
    writeTemplate(fooocus);
    Result result = run(prepareScript(fooocus));
    assertThat(result.exit()).as(result.output()).isZero();
    JsonNode config = new ObjectMapper().readTree(data().resolve(".aiservice/config.txt").toFile());
    assertThat(config.get("default_model").asText()).isEqualTo("juggernautXL_v8.safetensors");
    assertThat(config.get("path_checkpoints").get(1).asText()).isEqualTo("/content/data/store/checkpoints");
    assertThat(Files.readSymbolicLink(data().resolve("store/checkpoints"))).isEqualTo(Path.of("/models/checkpoints"));
    // loras missing from the store: an empty folder of its own, so Fooocus keeps the whole path_loras list
    assertThat(data().resolve("store/loras")).isDirectory();
    assertThat(data().resolve("models/loras")).isDirectory();

    AIService chosen = aiservice(App.FOOOCUS);
    chosen.getSpec().models = new ModelsSpec();
    chosen.getSpec().models.defaultModel = "sdxl/realvis & co.safetensors";
    Workload withChoice = build(chosen);
    writeTemplate(withChoice);
    assertThat(run(prepareScript(withChoice)).exit()).isZero();
    assertThat(new ObjectMapper().readTree(data().resolve(".aiservice/config.txt").toFile()).get("default_model").asText())
        .isEqualTo("sdxl/realvis & co.safetensors");
  }

  @Test
  void fooocusWithAnEmptyStoreGetsValidConfigWithoutADefaultModelAndSaysSo() throws Exception {
    store();
    Workload fooocus = build(aiservice(App.FOOOCUS));
    writeTemplate(fooocus);
    Result result = run(prepareScript(fooocus));
    assertThat(result.exit()).isZero();
    JsonNode config = new ObjectMapper().readTree(data().resolve(".aiservice/config.txt").toFile());
    assertThat(config.has("default_model")).isFalse();
    assertThat(config.get("path_outputs").asText()).isEqualTo("/user/output");
    assertThat(result.report()).contains("no checkpoint in the store");
  }

  @Test
  void comfyuiSeesSharedInputsInItsInputFolderAndForgetsRemovedOnes() throws Exception {
    store();
    Path uploads = Files.createDirectories(root.resolve("aiservice/uploads"));
    Path input = Files.createDirectories(root.resolve("aiservice/input"));
    Files.writeString(input.resolve("reference.png"), "shared");
    Files.writeString(uploads.resolve("mine.png"), "uploaded");
    String script = prepareScript(build(aiservice(App.COMFYUI)));
    assertThat(run(script).exit()).isZero();
    // relative: resolves inside the input folder, where ComfyUI's shared/ mount is
    assertThat(Files.readSymbolicLink(uploads.resolve("reference.png"))).isEqualTo(Path.of("shared/reference.png"));
    assertThat(uploads.resolve("mine.png")).hasContent("uploaded");

    Files.delete(input.resolve("reference.png"));
    assertThat(run(script).exit()).isZero();
    assertThat(Files.exists(uploads.resolve("reference.png"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(uploads.resolve("mine.png")).hasContent("uploaded");
  }

  @Test
  void aCustomMountOfAMissingStoreFolderStopsThePodBeforeKubeletCouldCreateIt() throws Exception {
    store();
    AIService custom = aiservice(App.CUSTOM);
    custom.getSpec().models = new ModelsSpec();
    ModelsSpec.FileMount mount = new ModelsSpec.FileMount();
    mount.source = "checkpoints";
    mount.target = "/opt/app/models/ckpt";
    custom.getSpec().models.mounts = List.of(mount);
    Result result = run(prepareScript(build(custom)));
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.report()).contains("missing checkpoints: spec.models mounts it");
  }

  @Test
  void aiToolkitsDatabaseIsSeededFromTheImageAndARealOneIsNeverReplaced() throws Exception {
    Workload workload = build(aiservice(App.AI_TOOLKIT));
    String seed = pod(workload).getInitContainers().stream().filter(c -> c.getName().equals("seed-database")).findFirst().orElseThrow()
        .getCommand().get(2).replace("/app/ai-toolkit/", root + "/image/");
    Path image = Files.createDirectories(root.resolve("image"));
    Files.writeString(image.resolve("aitk_db.db"), "tables from prisma db push");
    Path db = data().resolve("aitk_db.db");

    assertThat(run(seed).exit()).isZero();
    assertThat(db).hasContent("tables from prisma db push");

    Files.writeString(db, "");
    assertThat(run(seed).exit()).isZero();
    assertThat(db).as("an empty file is no database").hasContent("tables from prisma db push");

    Files.writeString(db, "the studio's jobs and settings");
    assertThat(run(seed).exit()).isZero();
    assertThat(db).hasContent("the studio's jobs and settings");
  }

  private void writeTemplate(Workload workload) throws IOException {
    Path config = Files.createDirectories(root.resolve("aiservice/config"));
    Files.writeString(config.resolve("config.txt"), workload.configMap().getData().get("config.txt"));
  }
}
