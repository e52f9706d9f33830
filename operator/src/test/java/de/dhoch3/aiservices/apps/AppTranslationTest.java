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

  @ParameterizedTest
  @MethodSource("apps")
  void everySupportedCategoryIsReachableInsideAStoreMount(App app) {
    Workload workload = build(aiservice(app));
    List<VolumeMount> storeMounts = app(workload).getVolumeMounts().stream().filter(m -> m.getName().equals("models")).toList();
    assertThat(workload.modelPaths()).extracting(p -> p.category)
        .containsAll(Catalog.profile(app).defaults().categories());
    for (ModelPath path : workload.modelPaths()) {
      assertThat(storeMounts).as(app + ": " + path).anySatisfy(m ->
          assertThat(path.path.equals(m.getMountPath()) || path.path.startsWith(m.getMountPath() + "/")).isTrue());
      if (path.via.startsWith("--")) {
        // a flag must be on the command line, followed by exactly this path
        List<String> words = commandLine(workload);
        int at = -1;
        for (int i = 0; i < words.size() - 1; i++) {
          if (words.get(i).equals(path.via) && words.get(i + 1).equals(path.path)) {
            at = i;
          }
        }
        assertThat(at).as(app + " passes " + path.via + " " + path.path).isNotNegative();
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
  }

  @Test
  void fooocusPutsItsOwnWritableFolderFirst() throws Exception {
    Workload workload = build(aiservice(App.FOOOCUS));
    JsonNode config = new ObjectMapper().readTree(workload.configMap().getData().get("config.txt"));
    assertThat(config.get("path_checkpoints").get(0).asText()).startsWith("/content/data/");
    assertThat(config.get("path_checkpoints").get(1).asText()).isEqualTo("/models/checkpoints");
    assertThat(config.get("path_loras").get(0).asText()).isEqualTo("/content/data/models/loras");
    for (String writable : List.of("path_vae_approx", "path_fooocus_expansion", "path_inpaint", "path_controlnet", "path_clip_vision", "path_upscale_models")) {
      assertThat(config.get(writable).asText()).as(writable).startsWith("/content/data/");
    }
    assertThat(config.get("path_outputs").asText()).isEqualTo("/user/output");
    assertThat(env(workload, "config_path")).isEqualTo("/etc/aiservice/config.txt");
    assertThat(env(workload, "config_example_path")).startsWith("/content/data/");
    assertThat(commandLine(workload)).contains("--disable-preset-download", "--listen");
    // non-root image on hostPath: its folders are made its own before start
    assertThat(pod(workload).getInitContainers()).anySatisfy(c -> assertThat(String.join(" ", c.getCommand())).contains("chown 1000:1000"));
  }

  @Test
  void forgeFamilyUsesItsFlagsAndKeepsDownloadsOnTheDataDir() {
    Workload forge = build(aiservice(App.FORGE));
    assertThat(commandLine(forge)).containsSequence("--data-dir", "/data")
        .contains("--skip-prepare-environment", "--skip-install").containsSequence("--ckpt-dir", "/models/checkpoints");
    assertThat(app(forge).getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/data/outputs");
      assertThat(m.getSubPath()).isEqualTo("output/Forge");
    });

    Workload neo = build(aiservice(App.FORGE_NEO));
    List<String> words = commandLine(neo);
    assertThat(words).doesNotContain("--ckpt-dir", "--vae-dir", "--models-dir")
        .containsSequence("--ckpt-dirs", "/models/diffusion_models").containsSequence("--ckpt-dirs", "/models/checkpoints")
        .containsSequence("--text-encoder-dirs", "/models/clip");

    AIService tooMany = aiservice(App.FORGE);
    tooMany.getSpec().models = new ModelsSpec();
    ModelsSpec.ExtraPath extra = new ModelsSpec.ExtraPath();
    extra.category = "loras";
    extra.path = "loras-sdxl";
    tooMany.getSpec().models.extraPaths = List.of(extra);
    assertThatThrownBy(() -> build(tooMany)).hasMessageContaining("spec.models.extraPaths").hasMessageContaining("--lora-dir");
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
  void fluxgymGetsRenamedSingleFilesAndAFileOfTheUsersChoice() {
    AIService ai = aiservice(App.FLUXGYM);
    ai.getSpec().models = new ModelsSpec();
    ModelsSpec.FileMount schnell = new ModelsSpec.FileMount();
    schnell.source = "diffusion_models/flux1-schnell.safetensors";
    schnell.target = "/app/fluxgym/models/unet/flux1-dev.sft";
    ai.getSpec().models.files = List.of(schnell);
    Workload workload = build(ai);
    List<VolumeMount> mounts = app(workload).getVolumeMounts();
    assertThat(mounts).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/app/fluxgym/models/vae/ae.sft");
      assertThat(m.getSubPath()).isEqualTo("vae/ae.safetensors");
      assertThat(m.getReadOnly()).isTrue();
    });
    assertThat(mounts).filteredOn(m -> m.getMountPath().equals("/app/fluxgym/models/unet/flux1-dev.sft"))
        .singleElement().satisfies(m -> assertThat(m.getSubPath()).isEqualTo("diffusion_models/flux1-schnell.safetensors"));
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
    assertThat(pod(workload).getInitContainers()).anySatisfy(c -> assertThat(String.join(" ", c.getCommand())).contains("touch /aiservice/data/aitk_db.db"));

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
  }
}
