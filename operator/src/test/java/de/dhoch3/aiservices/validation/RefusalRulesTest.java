package de.dhoch3.aiservices.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ContainerSpec;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.storage.SafePaths;
import de.dhoch3.aiservices.storage.StorageResolver;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The refusal rules called directly, each answer written out: which field, and that what is allowed
 * stays allowed (a rule that refused everything would pass the bad-input catalogue too).
 */
class RefusalRulesTest {
  private static List<String> fields(List<SpecProblem> problems) {
    return problems.stream().map(SpecProblem::field).toList();
  }

  private static AIServiceSpec spec(App app) {
    AIServiceSpec spec = new AIServiceSpec();
    spec.app = app;
    return spec;
  }

  private static List<SpecProblem> owned(AIServiceSpec spec, String argsEnv, OperatorConfig config) {
    return OwnedSettingsRules.problems(spec, OwnedSettings.of(spec.app), argsEnv, config);
  }

  @Test
  void userFlagsThatAreNotTheOperatorsPass() {
    AIServiceSpec comfy = spec(App.COMFYUI);
    comfy.args = List.of("--use-pytorch-cross-attention", "--listen 0.0.0.0", "--preview-method auto", "plain-word");
    comfy.env = List.of(new EnvVar("HF_HUB_OFFLINE", "1", null), new EnvVar("CLI_ARGS", "--fast", null));
    assertThat(owned(comfy, "CLI_ARGS", OperatorConfig.defaults())).isEmpty();
    // Forge: --api is no prefix of an owned flag; -x single-dash options are not argparse long options
    AIServiceSpec forge = spec(App.FORGE);
    forge.args = List.of("--api", "--xformers", "-x");
    assertThat(owned(forge, "COMMANDLINE_ARGS", OperatorConfig.defaults())).isEmpty();
  }

  @Test
  void eachSpellingOfAnOwnedFlagNamesItsElement() {
    AIServiceSpec comfy = spec(App.COMFYUI);
    comfy.args = List.of("--fast", "--output-directory=/x", "--base-dir", "/y", "-- ", "--temp-directory");
    assertThat(fields(owned(comfy, "CLI_ARGS", OperatorConfig.defaults())))
        .containsExactly("spec.args[1]", "spec.args[2]", "spec.args[5]");
  }

  @Test
  void publicTunnelsOnlyWhenTheAdminAllowsThem() {
    AIServiceSpec fooocus = spec(App.FOOOCUS);
    fooocus.args = List.of("--share");
    assertThat(fields(owned(fooocus, "CMDARGS", OperatorConfig.defaults()))).containsExactly("spec.args[0]");
    OperatorConfig open = OperatorConfig.defaults();
    open.policy.allowPublicTunnels = true;
    assertThat(owned(fooocus, "CMDARGS", open)).isEmpty();
    AIServiceSpec gym = spec(App.FLUXGYM);
    gym.env = List.of(new EnvVar("GRADIO_SHARE", "True", null));
    assertThat(fields(owned(gym, null, OperatorConfig.defaults()))).containsExactly("spec.env[0].name");
    assertThat(owned(gym, null, open)).isEmpty();
  }

  @Test
  void ownedEnvIsRefusedOthersPass() {
    AIServiceSpec invoke = spec(App.INVOKEAI);
    invoke.env = List.of(new EnvVar("INVOKEAI_LOG_LEVEL", "debug", null), new EnvVar("Invokeai_Models_Dir", "/x", null),
        new EnvVar(null, "x", null));
    assertThat(fields(owned(invoke, null, OperatorConfig.defaults()))).containsExactly("spec.env[1].name");
    AIServiceSpec fooocus = spec(App.FOOOCUS);
    // Fooocus reads env names case-sensitively: PATH_OUTPUTS is not path_outputs
    fooocus.env = List.of(new EnvVar("PATH_OUTPUTS", "/x", null), new EnvVar("path_loras", "/x", null));
    assertThat(fields(owned(fooocus, "CMDARGS", OperatorConfig.defaults()))).containsExactly("spec.env[1].name");
    AIServiceSpec comfy = spec(App.COMFYUI);
    comfy.env = List.of(new EnvVarBuilder().withName("CLI_ARGS").withNewValueFrom().withNewConfigMapKeyRef("k", "m", false).endValueFrom().build());
    assertThat(fields(owned(comfy, "CLI_ARGS", OperatorConfig.defaults()))).containsExactly("spec.env[0].valueFrom");
  }

  @Test
  void commandsThatComputeFlagsAreRefusedForCatalogAppsOnly() {
    AIServiceSpec comfy = spec(App.COMFYUI);
    comfy.container = new ContainerSpec();
    comfy.container.command = List.of("/bin/bash", "-lc", "python main.py");
    assertThat(fields(owned(comfy, "CLI_ARGS", OperatorConfig.defaults()))).containsExactly("spec.container.command[0]");
    comfy.container.command = List.of("python3", "-c", "import os");
    assertThat(fields(owned(comfy, "CLI_ARGS", OperatorConfig.defaults()))).containsExactly("spec.container.command[1]");
    comfy.container.command = List.of("python3", "./ComfyUI/main.py", "--listen");
    assertThat(owned(comfy, "CLI_ARGS", OperatorConfig.defaults())).isEmpty();
    comfy.container.command = List.of("python3", "main.py", "$(OUT)");
    assertThat(fields(owned(comfy, "CLI_ARGS", OperatorConfig.defaults()))).containsExactly("spec.container.command[2]");
    // env assignments before a program: owned names refused, others fine
    AIServiceSpec invoke = spec(App.INVOKEAI);
    invoke.container = new ContainerSpec();
    invoke.container.command = List.of("TZ=Europe/Berlin", "/docker-entrypoint.sh");
    assertThat(owned(invoke, null, OperatorConfig.defaults())).isEmpty();
    // an app without an args variable: args replace the image's command, a shell there is refused too
    invoke.container = null;
    invoke.args = List.of("sh", "-c", "invokeai-web");
    assertThat(fields(owned(invoke, null, OperatorConfig.defaults()))).containsExactly("spec.args[0]");
    AIServiceSpec custom = spec(App.CUSTOM);
    custom.container = new ContainerSpec();
    custom.container.command = List.of("sh", "-c", "exec my-app --port $(PORT)");
    assertThat(owned(custom, null, OperatorConfig.defaults())).as("custom apps own nothing").isEmpty();
  }

  @Test
  void gpuResourcesAreTheAdminsAndARuntimeNeedsAGpu() {
    assertThat(AdminPolicy.allowedGpuResources(OperatorConfig.defaults())).containsExactly("nvidia.com/gpu", "nvidia.com/gpu.shared");
    OperatorConfig listed = OperatorConfig.defaults();
    listed.policy.gpuResourceNames = new ArrayList<>(List.of("amd.com/gpu"));
    assertThat(AdminPolicy.allowedGpuResources(listed)).containsExactly("amd.com/gpu");
    AIServiceSpec s = spec(App.COMFYUI);
    s.gpu = new GpuSpec();
    s.gpu.resourceName = "nvidia.com/gpu.shared";
    assertThat(AdminPolicy.problems(s, "a", "studio", OperatorConfig.defaults())).isEmpty();
    assertThat(fields(AdminPolicy.problems(s, "a", "studio", listed))).containsExactly("spec.gpu.resourceName");
    s.gpu = new GpuSpec();
    s.gpu.runtimeClassName = "nvidia";
    s.gpu.count = 0;
    assertThat(fields(AdminPolicy.problems(s, "a", "studio", OperatorConfig.defaults()))).containsExactly("spec.gpu.runtimeClassName");
    s.gpu.count = 1;
    assertThat(AdminPolicy.problems(s, "a", "studio", OperatorConfig.defaults())).isEmpty();
    s.gpu.mode = GpuSpec.Mode.SHARED;
    s.gpu.count = 0;
    assertThat(AdminPolicy.problems(s, "a", "studio", OperatorConfig.defaults())).as("shared ignores count").isEmpty();
    s.gpu.mode = GpuSpec.Mode.NONE;
    s.gpu.count = null;
    assertThat(fields(AdminPolicy.problems(s, "a", "studio", OperatorConfig.defaults()))).containsExactly("spec.gpu.runtimeClassName");
  }

  @Test
  void containerPathsAreNormalisedAndKeptApartFromTheStore() {
    List<SpecProblem> problems = new ArrayList<>();
    assertThat(ContainerPathRules.check("f", "/data//x/./", problems)).isEqualTo("/data/x");
    assertThat(ContainerPathRules.check("f", "/etc/app", problems)).isNull();
    assertThat(ContainerPathRules.check("f", "relative", problems)).isNull();
    assertThat(ContainerPathRules.check("f", "/a/../b", problems)).isNull();
    assertThat(ContainerPathRules.check("f", "//", problems)).isNull();
    assertThat(problems).hasSize(4);
    assertThat(ContainerPathRules.storeApart("/models", java.util.Map.of("catalog dataPath", "/data", "catalog outputPath", "/output"))).isEmpty();
    assertThat(fields(ContainerPathRules.storeApart("/models", java.util.Map.of("spec.container.outputPath", "/models/out"))))
        .containsExactly("spec.container.outputPath");
    assertThat(fields(ContainerPathRules.storeApart("/data/models", java.util.Map.of("catalog dataPath", "/data"))))
        .as("the store moved into the catalog's data folder: the spec's modelsPath is at fault").containsExactly("spec.container.modelsPath");
    assertThat(ContainerPathRules.storeApart(null, java.util.Map.of("catalog dataPath", "/data"))).isEmpty();
  }

  @Test
  void pathsAreUnderTheirRootElementWise() {
    assertThat(de.dhoch3.aiservices.config.Folders.isUnder("/vol/a", "/vol")).isTrue();
    assertThat(de.dhoch3.aiservices.config.Folders.isUnder("/vol", "/vol/")).isTrue();
    assertThat(de.dhoch3.aiservices.config.Folders.isUnder("/volume", "/vol")).isFalse();
    assertThat(de.dhoch3.aiservices.config.Folders.isUnder("/anything", "/")).isTrue();
    assertThat(de.dhoch3.aiservices.config.Folders.isUnder("/vol", "/vol/a")).isFalse();
  }

  @Test
  void aFolderThatClimbsOutIsRefusedInEverySpelling() {
    for (String climbing : List.of("..", "a/..", "a/../../b", "./..", "a//../..")) {
      assertThatThrownBy(() -> SafePaths.relative("spec.storage.serviceDir", climbing)).as(climbing)
          .hasMessageContaining("spec.storage.serviceDir").hasMessageContaining("contains '..'");
    }
    assertThatThrownBy(() -> SafePaths.absolute("storage.models.hostPath", "/vol/../etc")).hasMessageContaining("contains '..'");
    assertThat(SafePaths.relative("f", "./a//b/.")).isEqualTo("a/b");
    assertThat(SafePaths.absolute("f", "//vol/./a/")).isEqualTo("/vol/a");
    assertThat(SafePaths.relative("f", "a..b")).as("'..' inside a name is a name").isEqualTo("a..b");
  }

  @Test
  void storageOverridesOnlyWhereTheAdminAllowsThem() {
    StorageSpec mine = new StorageSpec();
    mine.data = VolumeRef.claim("my-data");
    mine.user = VolumeRef.claim("my-user");
    assertThat(StorageResolver.resolve(mine, OperatorConfig.defaults()).data().claimName()).isEqualTo("my-data");
    OperatorConfig strict = OperatorConfig.defaults();
    strict.policy.allowStorageOverrides = false;
    assertThatThrownBy(() -> StorageResolver.resolve(mine, strict)).isInstanceOf(InvalidSpecException.class)
        .satisfies(e -> assertThat(fields(((InvalidSpecException) e).problems())).containsExactly("spec.storage.data", "spec.storage.user"));
    assertThat(StorageResolver.resolve(null, strict).models().hostPath()).isEqualTo("/vol/service/cw/storage-models/models");
    StorageSpec both = new StorageSpec();
    both.data = new VolumeRef();
    both.data.claimName = "x";
    both.data.hostPath = "/vol/service/cw/storage";
    assertThatThrownBy(() -> StorageResolver.resolve(both, OperatorConfig.defaults())).hasMessageContaining("spec.storage.data")
        .hasMessageContaining("exactly one of hostPath");
  }

  /** Traefik names a CRD middleware <namespace>-<name>@kubernetescrd; only this namespace's may be used. */
  @Test
  void ingressAnnotationsOnlyThisNamespacesMiddlewaresAndNoSnippets() {
    AIServiceSpec s = spec(App.COMFYUI);
    s.expose = new de.dhoch3.aiservices.api.ExposeSpec();
    s.expose.ingress = new de.dhoch3.aiservices.api.ExposeSpec.IngressExpose();
    s.expose.ingress.annotations = java.util.Map.of("traefik.ingress.kubernetes.io/router.middlewares",
        "studio-auth@kubernetescrd, other-auth@kubernetescrd, redirect@file");
    assertThat(AdminPolicy.problems(s, "comfyui", "studio", OperatorConfig.defaults())).containsExactly(new SpecProblem(
        "spec.expose.ingress.annotations.traefik.ingress.kubernetes.io/router.middlewares", "'other-auth@kubernetescrd' is not a middleware of"
            + " this namespace (studio-<name>@kubernetescrd): another team's middleware (its auth, its redirects) is not this app's to use;"
            + " define one in studio"));
    s.expose.ingress.annotations = java.util.Map.of("nginx.ingress.kubernetes.io/configuration-snippet", "return 200;",
        "nginx.ingress.kubernetes.io/proxy-body-size", "0");
    assertThat(AdminPolicy.problems(s, "comfyui", "studio", OperatorConfig.defaults())).containsExactly(new SpecProblem(
        "spec.expose.ingress.annotations.nginx.ingress.kubernetes.io/configuration-snippet", "refused by the admin's policy ((?i).*snippet.*"
            + " in policy.refusedAnnotationPatterns): snippet annotations run arbitrary proxy configuration; remove it"));
  }

  /** argparse (allow_abbrev, the default) takes any unambiguous prefix, even one letter after "--"; the message names the flag it re-sets. */
  @Test
  void anOwnedFlagIsNamedWhetherSpelledOutOrAbbreviated() {
    AIServiceSpec comfy = spec(App.COMFYUI);
    comfy.args = List.of("--output-directory=/x");
    assertThat(owned(comfy, "CLI_ARGS", OperatorConfig.defaults())).containsExactly(new SpecProblem("spec.args[0]", "'--output-directory' re-sets"
        + " --output-directory, which the operator sets (the app's folders, store view or port); remove it: folders move with spec.storage"
        + " and the spec.container paths, the port with spec.container.port"));
    comfy.args = List.of("--output-dir", "/x");
    assertThat(owned(comfy, "CLI_ARGS", OperatorConfig.defaults())).extracting(SpecProblem::message).singleElement().asString()
        .startsWith("'--output-dir' re-sets --output-directory,");
    AIServiceSpec fooocus = spec(App.FOOOCUS);
    fooocus.args = List.of("--o");
    assertThat(owned(fooocus, "CMDARGS", OperatorConfig.defaults())).extracting(SpecProblem::message).singleElement().asString()
        .startsWith("'--o' re-sets --output-path,");
  }

  /** Fooocus reads its config names as written (config_path), so only that spelling is the operator's. */
  @Test
  void aCaseSensitiveAppsLowerCaseSettingIsOwnedInItsOwnSpelling() {
    AIServiceSpec fooocus = spec(App.FOOOCUS);
    fooocus.env = List.of(new EnvVar("config_path", "/x", null), new EnvVar("CONFIG_PATH", "/x", null));
    assertThat(fields(owned(fooocus, "CMDARGS", OperatorConfig.defaults()))).containsExactly("spec.env[0].name");
  }

  /** With the studio's shared caches configured, each app's own cache variable is the operator's; without them it is the user's. */
  @Test
  void cacheVariablesAreOwnedOnlyWhenSharedCachesAreConfigured() {
    AIServiceSpec comfy = spec(App.COMFYUI);
    comfy.env = List.of(new EnvVar("HF_HUB_CACHE", "/x", null), new EnvVar("TORCH_HOME", "/y", null));
    assertThat(owned(comfy, "CLI_ARGS", OperatorConfig.defaults())).isEmpty();
    OperatorConfig hf = OperatorConfig.defaults();
    hf.storage.caches.hfHub = VolumeRef.hostPath("/vol/service/cw/storage-models/hf-hub");
    assertThat(owned(comfy, "CLI_ARGS", hf)).containsExactly(new SpecProblem("spec.env[0].name", "HF_HUB_CACHE is set by the operator:"
        + " the app's own cache, in which the studio's shared cache (storage.caches) is linked; remove it"));
    OperatorConfig torch = OperatorConfig.defaults();
    torch.storage.caches.torchHub = VolumeRef.hostPath("/vol/service/cw/storage-models/torch-hub");
    assertThat(fields(owned(comfy, "CLI_ARGS", torch))).containsExactly("spec.env[1].name");
    AIServiceSpec custom = spec(App.CUSTOM);
    custom.env = comfy.env;
    assertThat(owned(custom, null, hf)).as("a custom app's env is its own").isEmpty();
  }
}
