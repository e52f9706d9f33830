package de.dhoch3.aiservices.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ContainerSpec;
import de.dhoch3.aiservices.api.ModelPath;
import de.dhoch3.aiservices.api.ModelsSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.workload.Workload;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What each app is told, parsed back: every shared category reachable, the store never writable. */
public class AppTranslationTest {

  static Stream<App> apps() {
    return Catalog.all().stream().map(p -> p.defaults().app());
  }

  public static AIService aiservice(App app) {
    AIService ai = new AIService();
    ai.setMetadata(new ObjectMetaBuilder().withName(app.value()).withNamespace("studio").build());
    ai.setSpec(new AIServiceSpec());
    ai.getSpec().app = app;
    if (Catalog.profile(app).defaults().image() == null) {
      // no usable public image: the studio's own
      ai.getSpec().image = "registry.example.com/studio/" + app.value() + ":1";
    }
    if (app == App.CUSTOM) {
      ai.getSpec().image = "registry.example.com/app:1";
      ai.getSpec().container = new ContainerSpec();
      ai.getSpec().container.port = 8080;
    }
    return ai;
  }

  static Workload build(AIService ai) {
    return WorkloadBuilder.build(ai, OperatorConfig.defaults());
  }

  static PodSpec pod(Workload workload) {
    return workload.deployment().getSpec().getTemplate().getSpec();
  }

  static Container app(Workload workload) {
    return pod(workload).getContainers().get(0);
  }

  /** The app's command line, wherever the image reads it from (args or an env variable). */
  static List<String> commandLine(Workload workload) {
    List<String> words = new ArrayList<>();
    Container container = app(workload);
    if (container.getArgs() != null) {
      words.addAll(container.getArgs());
    }
    if (container.getEnv() != null) {
      container.getEnv().stream().filter(e -> List.of("CLI_ARGS", "COMMANDLINE_ARGS", "CMDARGS").contains(e.getName()))
          .forEach(e -> words.addAll(List.of(e.getValue().split(" "))));
    }
    return words;
  }

  static String env(Workload workload, String name) {
    return app(workload).getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
  }

  @ParameterizedTest
  @MethodSource("apps")
  void noMountAnywhereWritesIntoTheStore(App app) {
    PodSpec pod = pod(build(aiservice(app)));
    List<Container> all = new ArrayList<>(pod.getContainers());
    if (pod.getInitContainers() != null) {
      all.addAll(pod.getInitContainers());
    }
    for (Container container : all) {
      List<VolumeMount> mounts = container.getVolumeMounts() == null ? List.of() : container.getVolumeMounts();
      assertThat(mounts).filteredOn(m -> m.getName().equals("models"))
          .allSatisfy(m -> assertThat(m.getReadOnly()).as(app + " " + container.getName() + " " + m.getMountPath()).isTrue());
    }
  }

  /** The prepare step's script, as the pod runs it. */
  static String prepareScript(Workload workload) {
    return pod(workload).getInitContainers().stream().filter(c -> c.getName().equals("prepare")).findFirst().orElseThrow()
        .getCommand().get(2);
  }

  @ParameterizedTest
  @MethodSource("apps")
  void everySupportedCategoryIsReachableThroughTheStoreMountAndNeverBySubPath(App app) {
    Workload workload = build(aiservice(app));
    assertThat(workload.modelPaths()).extracting(p -> p.category)
        .containsAll(Catalog.profile(app).defaults().categories());
    // the store is mounted once, whole and read-only; no store sub-folder is mounted (kubelet would create a missing one)
    assertThat(app(workload).getVolumeMounts()).filteredOn(m -> m.getName().equals("models"))
        .singleElement().satisfies(m -> {
          assertThat(m.getMountPath()).isEqualTo("/models");
          assertThat(m.getSubPath()).isNull();
          assertThat(m.getReadOnly()).isTrue();
        });
    if (app == App.CUSTOM) {
      return;
    }
    String script = prepareScript(workload);
    for (ModelPath path : workload.modelPaths()) {
      // every store folder or file is linked into the app's data folder, or checked where the app is pointed at it directly
      assertThat(script).as(app + ": " + path).containsAnyOf(
          "link_folder '" + path.source + "' ", "link_file '" + path.source + "' ", "check '" + path.source + "'",
          "link_entries '" + path.source + "' ", "' '" + path.source + "' '/models/" + path.source + "'");
      if (path.path.startsWith("/models/")) {
        assertThat(path.path).isEqualTo("/models/" + path.source);
      }
      if (path.via.startsWith("--")) {
        // a flag must be on the command line, followed by exactly this path
        String flag = path.via.split(" ")[0];
        List<String> words = commandLine(workload);
        int at = -1;
        for (int i = 0; i < words.size() - 1; i++) {
          if (words.get(i).equals(flag) && words.get(i + 1).equals(path.path)) {
            at = i;
          }
        }
        assertThat(at).as(app + " passes " + flag + " " + path.path).isNotNegative();
      }
    }
  }

  @Test
  void comfyuiGetsAnAppendedExtraModelPathsYaml() throws Exception {
    Workload workload = build(aiservice(App.COMFYUI));
    JsonNode yaml = new YAMLMapper().readTree(workload.configMap().getData().get("extra_model_paths.yaml"));
    JsonNode section = yaml.get("aiservice_shared_store");
    assertThat(section.get("base_path").asText()).isEqualTo("/models");
    assertThat(section.get("is_default").asBoolean()).isFalse();
    assertThat(section.get("text_encoders").asText().split("\n")).containsExactly("text_encoders", "clip");
    assertThat(section.get("loras").asText()).isEqualTo("loras");
    assertThat(commandLine(workload)).containsSequence("--extra-model-paths-config", "/etc/aiservice/extra_model_paths.yaml")
        .containsSequence("--input-directory", "/user/uploads").containsSequence("--output-directory", "/user/output");
    assertThat(app(workload).getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/user/uploads");
      assertThat(m.getSubPath()).isEqualTo("uploads/ComfyUI");
      assertThat(m.getReadOnly()).isNull();
    });
    // the shared input, read-only INSIDE ComfyUI's one input folder, so LoadImage can load it
    assertThat(app(workload).getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/user/uploads/shared");
      assertThat(m.getSubPath()).isEqualTo("input");
      assertThat(m.getReadOnly()).isTrue();
    });
    assertThat(prepareScript(workload)).contains("ln -s \"shared/$n\"");
    // the studio's ComfyUI: a maintained megapak tag (cu128 was archived)
    assertThat(app(workload).getImage()).isEqualTo("yanwk/comfyui-boot:cu126-megapak");
  }

  @Test
  void fooocusPutsItsOwnWritableFolderFirst() throws Exception {
    Workload workload = build(aiservice(App.FOOOCUS));
    JsonNode config = new ObjectMapper().readTree(workload.configMap().getData().get("config.txt"));
    assertThat(config.get("path_checkpoints").get(0).asText()).isEqualTo("/content/data/models/checkpoints");
    // the store folder through a link in the data folder, which always exists (Fooocus drops a list key with a missing folder)
    assertThat(config.get("path_checkpoints").get(1).asText()).isEqualTo("/content/data/store/checkpoints");
    assertThat(config.get("path_vae").asText()).isEqualTo("/content/data/store/vae");
    assertThat(config.get("default_model").asText()).isEqualTo("@DEFAULT_MODEL@");
    assertThat(config.get("path_loras").get(0).asText()).isEqualTo("/content/data/models/loras");
    for (String writable : List.of("path_vae_approx", "path_fooocus_expansion", "path_inpaint", "path_controlnet", "path_clip_vision", "path_upscale_models")) {
      assertThat(config.get(writable).asText()).as(writable).startsWith("/content/data/");
    }
    assertThat(config.get("path_outputs").asText()).isEqualTo("/user/output");
    // written by the prepare step at every start, with a default_model the store has
    assertThat(env(workload, "config_path")).isEqualTo("/content/data/.aiservice/config.txt");
    assertThat(app(workload).getImage()).isEqualTo("ghcr.io/lllyasviel/fooocus:2.5.5");
    assertThat(env(workload, "config_example_path")).startsWith("/content/data/");
    assertThat(commandLine(workload)).contains("--disable-preset-download", "--listen");
    // non-root image on hostPath: its folders are made its own before start
    assertThat(prepareScript(workload)).contains("chown -h 1000:1000");
  }

  @Test
  void forgeFamilyUsesItsFlagsThroughLinksAndKeepsDownloadsOnTheDataDir() {
    Workload forge = build(aiservice(App.FORGE));
    assertThat(commandLine(forge)).containsSequence("--data-dir", "/data")
        .contains("--skip-prepare-environment", "--skip-install")
        // Forge makedirs these: links (or empty own folders) in the data folder, never a missing read-only folder
        .containsSequence("--lora-dir", "/data/store/loras").containsSequence("--hypernetwork-dir", "/data/store/hypernetworks")
        .containsSequence("--controlnet-dir", "/data/store/controlnet").doesNotContain("--ckpt-dir");
    String script = prepareScript(forge);
    // checkpoints and diffusion models where Forge always looks (walk_files follows links)
    assertThat(script).contains("link_folder 'checkpoints' 'models/Stable-diffusion/checkpoints' '/models/checkpoints'")
        .contains("link_folder 'unet' 'models/Stable-diffusion/unet' '/models/unet'")
        .contains("link_folder 'loras' 'store/loras/loras' '/models/loras'");
    assertThat(env(forge, "COMMANDLINE_ARGS")).isNotNull();
    assertThat(app(forge).getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/data/outputs");
      assertThat(m.getSubPath()).isEqualTo("output/Forge");
    });

    Workload neo = build(aiservice(App.FORGE_NEO));
    List<String> words = commandLine(neo);
    assertThat(words).doesNotContain("--ckpt-dir", "--vae-dir", "--models-dir")
        .containsSequence("--ckpt-dirs", "/data/store/diffusion_models").containsSequence("--ckpt-dirs", "/data/store/checkpoints")
        .containsSequence("--text-encoder-dirs", "/data/store/clip").containsSequence("--controlnet-dirs", "/data/store/t2i_adapter");
    // Neo's output root is <data>/output; its own data folder (another variant's config.json makes it wait for a keyboard)
    assertThat(app(neo).getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/data/output");
      assertThat(m.getSubPath()).isEqualTo("output/ForgeNeo");
    });
    assertThat(app(neo).getVolumeMounts()).anySatisfy(m -> assertThat(m.getSubPath()).isEqualTo("ForgeNeo"));

    AIService tooMany = aiservice(App.FORGE);
    tooMany.getSpec().models = new ModelsSpec();
    ModelsSpec.ExtraPath extra = new ModelsSpec.ExtraPath();
    extra.category = "vae";
    extra.path = "vae-sdxl";
    tooMany.getSpec().models.extraPaths = List.of(extra);
    assertThatThrownBy(() -> build(tooMany)).hasMessageContaining("spec.models.extraPaths").hasMessageContaining("--vae-dir");
    // LoRA folders are listed with followlinks: an extra one is fine
    extra.category = "loras";
    extra.path = "loras-sdxl";
    assertThat(prepareScript(build(tooMany))).contains("link_folder 'loras-sdxl' 'store/loras/loras-sdxl' '/models/loras-sdxl'");
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(value = App.class, names = {"FORGE", "FORGE_NEO", "FLUXGYM"})
  void appsWithoutAUsablePublicImageAskForOneAndSayWhatItMustProvide(App app) {
    AIService ai = aiservice(app);
    ai.getSpec().image = null;
    assertThatThrownBy(() -> build(ai)).hasMessageContaining("spec.image").hasMessageContaining("apps." + app.value() + ".image");
    OperatorConfig withImage = OperatorConfig.defaults();
    OperatorConfig.AppOverride override = new OperatorConfig.AppOverride();
    override.image = "registry.studio.example.com/" + app.value() + ":1";
    withImage.apps.put(app.value(), override);
    assertThat(app(WorkloadBuilder.build(ai, withImage)).getImage()).isEqualTo("registry.studio.example.com/" + app.value() + ":1");
  }

  @Test
  void invokeaiRegistersTheStoreInPlaceFromASidecar() {
    Workload workload = build(aiservice(App.INVOKEAI));
    assertThat(env(workload, "INVOKEAI_ROOT")).isEqualTo("/invokeai");
    assertThat(env(workload, "INVOKEAI_OUTPUTS_DIR")).isEqualTo("/user/output");
    // the store lies outside the root, which the entrypoint chowns at every start
    assertThat(app(workload).getVolumeMounts()).filteredOn(m -> m.getName().equals("models"))
        .allSatisfy(m -> assertThat(m.getMountPath()).doesNotStartWith("/invokeai"));
    Container registrar = pod(workload).getContainers().get(1);
    assertThat(registrar.getName()).isEqualTo("model-registrar");
    String scanPaths = registrar.getEnv().stream().filter(e -> e.getName().equals("SCAN_PATHS")).findFirst().orElseThrow().getValue();
    assertThat(scanPaths.split(":")).contains("/models/checkpoints", "/models/loras", "/models/diffusion_models");
    String script = workload.configMap().getData().get("register_models.py");
    assertThat(script).contains("/api/v2/models/scan_folder").contains("/api/v2/models/install").contains("\"inplace\": \"true\"");
    assertThat(registrar.getImage()).isEqualTo(app(workload).getImage()).doesNotEndWith(":latest");

    // multi-user InvokeAI: spec.auth names the Secret with an administrator's login, for the sidecar only
    AIService multiUser = aiservice(App.INVOKEAI);
    multiUser.getSpec().auth = new de.dhoch3.aiservices.api.AuthSpec();
    multiUser.getSpec().auth.secretName = "invokeai-admin";
    Workload withAuth = build(multiUser);
    assertThat(pod(withAuth).getContainers().get(1).getEnv())
        .filteredOn(e -> e.getValueFrom() != null)
        .extracting(e -> e.getName() + "=" + e.getValueFrom().getSecretKeyRef().getName() + "/" + e.getValueFrom().getSecretKeyRef().getKey())
        .containsExactly("INVOKEAI_EMAIL=invokeai-admin/email", "INVOKEAI_PASSWORD=invokeai-admin/password");
    assertThat(app(withAuth).getEnv()).noneMatch(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null);
  }

  @Test
  void fluxgymGetsLinksUnderItsFixedNamesAndAFileOfTheUsersChoice() {
    AIService ai = aiservice(App.FLUXGYM);
    ai.getSpec().models = new ModelsSpec();
    ModelsSpec.FileMount fp8 = new ModelsSpec.FileMount();
    fp8.source = "diffusion_models/flux1-dev-fp8.safetensors";
    fp8.target = "/app/fluxgym/models/unet/flux1-dev.sft";
    ai.getSpec().models.files = List.of(fp8);
    Workload workload = build(ai);
    String script = prepareScript(workload);
    assertThat(script)
        .contains("link_file 'vae/ae.safetensors' 'models/vae/ae.sft' '/models/vae/ae.safetensors'")
        // schnell weights under schnell's own name (models.yaml), not the dev name
        .contains("link_file_any 'models/unet/flux1-schnell.safetensors' 'diffusion_models/flux1-schnell.safetensors'"
            + " '/models/diffusion_models/flux1-schnell.safetensors' 'diffusion_models/FLUX1/flux1-schnell.safetensors'")
        // the user's file replaces the default for the same target
        .contains("link_file 'diffusion_models/flux1-dev-fp8.safetensors' 'models/unet/flux1-dev.sft'")
        .doesNotContain("'diffusion_models/flux1-dev.safetensors'")
        // UID 1000 downloads missing weights into its models folders
        .contains("mkdir -p '/aiservice/data/models/unet'").contains("chown -h 1000:1000");
    List<VolumeMount> mounts = app(workload).getVolumeMounts();
    assertThat(mounts).noneMatch(m -> m.getName().equals("models") && m.getSubPath() != null);
    assertThat(mounts).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/app/fluxgym/models");
      assertThat(m.getName()).isEqualTo("data");
    });
    assertThat(mounts).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/app/fluxgym/datasets");
      assertThat(m.getSubPath()).isEqualTo("datasets/FluxGym");
      assertThat(m.getReadOnly()).isNull();
    });
  }

  @Test
  void aiToolkitSeesTheStoreThroughMODELS_PATHAndKeepsItsDatabase() {
    AIService ai = aiservice(App.AI_TOOLKIT);
    ai.getSpec().auth = new de.dhoch3.aiservices.api.AuthSpec();
    ai.getSpec().auth.secretName = "ai-toolkit-auth";
    Workload workload = build(ai);
    assertThat(env(workload, "MODELS_PATH")).isEqualTo("/app/ai-toolkit/models");
    assertThat(app(workload).getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("AI_TOOLKIT_AUTH");
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("ai-toolkit-auth");
    });
    List<VolumeMount> mounts = app(workload).getVolumeMounts();
    assertThat(mounts).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/app/ai-toolkit/aitk_db.db");
      assertThat(m.getSubPath()).isEqualTo("AIToolkit/aitk_db.db");
    });
    assertThat(mounts).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/app/ai-toolkit/output"));
    assertThat(mounts).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/app/ai-toolkit/data");
      assertThat(m.getSubPath()).isEqualTo("AIToolkit/data");
    });
    // never an empty database over the image's: seeded from the image's own, after the prepare step
    assertThat(pod(workload).getInitContainers()).extracting(Container::getName).containsExactly("prepare", "seed-database");
    Container seed = pod(workload).getInitContainers().get(1);
    assertThat(seed.getImage()).isEqualTo(app(workload).getImage()).isEqualTo("ostris/aitoolkit:0.12.26");
    assertThat(String.join(" ", seed.getCommand())).doesNotContain("touch").contains("cp /app/ai-toolkit/aitk_db.db");
    assertThat(prepareScript(workload)).contains("link_entries 'diffusion_models' 'models/diffusion_models' '/models/diffusion_models'");

    AIService wrongApp = aiservice(App.COMFYUI);
    wrongApp.getSpec().auth = ai.getSpec().auth;
    assertThatThrownBy(() -> build(wrongApp)).hasMessageContaining("spec.auth");
  }

  @Test
  void categoriesCanBeRestrictedAndExtended() {
    AIService ai = aiservice(App.COMFYUI);
    ai.getSpec().models = new ModelsSpec();
    ai.getSpec().models.categories = List.of("checkpoints", "loras");
    ModelsSpec.ExtraPath extra = new ModelsSpec.ExtraPath();
    extra.category = "loras";
    extra.path = "loras-sdxl";
    ai.getSpec().models.extraPaths = List.of(extra);
    Workload workload = build(ai);
    assertThat(workload.modelPaths()).extracting(p -> p.path)
        .containsExactly("/models/checkpoints", "/models/loras", "/models/loras-sdxl");
    assertThat(workload.modelPaths()).extracting(p -> p.source).containsExactly("checkpoints", "loras", "loras-sdxl");
  }

  /**
   * ComfyUI: the megapak's IPAdapter_plus adds its own models/ipadapter only when the key is not
   * registered yet (app-catalog.md, second pass), and ComfyUI's extra_config.py takes the first
   * listed path as where a new key's files go: the app's own folder must be first, the store after.
   */
  @Test
  void comfyuisIpadapterKeyListsTheAppsOwnFolderBeforeTheStore() throws Exception {
    Workload workload = build(aiservice(App.COMFYUI));
    var yaml = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(workload.configMap().getData().get("extra_model_paths.yaml"));
    var section = yaml.get("aiservice_shared_store");
    assertThat(section.get("base_path").asText()).isEqualTo("/models");
    assertThat(section.get("ipadapter").asText().lines().toList()).containsExactly("/root/ComfyUI/models/ipadapter", "ipadapter");
    // a key ComfyUI defines keeps its own folder first by itself (is_default false appends): the store only
    assertThat(section.get("loras").asText()).isEqualTo("loras");
  }
}
