package de.dhoch3.aiservices.validation;

import de.dhoch3.aiservices.api.App;
import java.util.List;
import java.util.Map;

/**
 * Per app, the settings the operator owns: the flags, env variables and config keys it sets, and
 * those that would move the app's writable folders or its store view elsewhere (a user who re-set
 * them could point the app's writes at another team's folder or around the read-only store). One
 * place, read from the apps' own parsers (cited per app); {@link OwnedSettingsRules}
 * refuses user args and env that re-set one of them, in every spelling the app accepts.
 *
 * @param flags long options the operator sets or that redirect a folder (argparse also accepts a
 *     unique prefix and {@code --flag=value}: the rules check both)
 * @param env env variable names the operator sets or that redirect a folder
 * @param envPrefixes env variables starting with one of these are owned too
 * @param envCaseInsensitive whether the app reads env names case-insensitively
 *     (pydantic-settings' default, InvokeAI)
 * @param tunnelFlags flags that open a public tunnel around the Ingress (policy.allowPublicTunnels)
 * @param tunnelEnv env variables that do the same
 */
public record OwnedSettings(
    List<String> flags,
    List<String> env,
    List<String> envPrefixes,
    boolean envCaseInsensitive,
    List<String> tunnelFlags,
    List<String> tunnelEnv) {

  /**
   * Forge (lllyasviel/stable-diffusion-webui-forge at dfdcbab, modules/cmd_args.py, argparse with
   * abbreviations; COMMANDLINE_ARGS split by shlex, modules/paths_internal.py:12-13) and Forge Neo
   * (branch neo, modules/cmd_args.py, paths_internal.py, modules_forge/shared.py): every folder
   * and settings-file flag (the -dir flags are also unique prefixes of Neo's -dirs ones), the port,
   * and the start flags that keep pip and git from running.
   */
  private static final List<String> FORGE_FLAGS = List.of(
      "--data-dir", "--models-dir", "--model-ref", "--ckpt", "--ckpt-dir", "--ckpt-dirs", "--vae-dir", "--vae-dirs", "--vae-path",
      "--text-encoder-dir", "--text-encoder-dirs", "--lora-dir", "--lora-dirs", "--lyco-dir-backcompat", "--embeddings-dir",
      "--hypernetwork-dir", "--esrgan-models-path", "--realesrgan-models-path", "--dat-models-path", "--codeformer-models-path",
      "--gfpgan-models-path", "--bsrgan-models-path", "--scunet-models-path", "--swinir-models-path", "--ldsr-models-path",
      "--controlnet-dir", "--controlnet-dirs", "--controlnet-preprocessor-models-dir", "--forge-ref-a1111-home",
      "--forge-ref-comfy-home", "--forge-ref-comfy-yaml", "--ui-settings-file", "--ui-config-file", "--styles-file",
      "--gradio-allowed-path", "--gradio-auth-path", "--port", "--listen", "--server-name", "--skip-prepare-environment",
      "--skip-install");
  /** cmd_args.py:49-52 (Forge has no cloudflared/localhostrun flags; gradio's GRADIO_SHARE is ignored: webui.py passes share=). */
  private static final List<String> FORGE_TUNNELS = List.of("--share", "--ngrok", "--ngrok-region", "--ngrok-options");
  /** modules/cache.py:11-12, ui_tempdir.py:194, shared_cmd_options.py:12. */
  private static final List<String> FORGE_ENV = List.of(
      "COMMANDLINE_ARGS", "SD_WEBUI_CACHE_FILE", "SD_WEBUI_CACHE_DIR", "GRADIO_TEMP_DIR", "IGNORE_CMD_ARGS_ERRORS");

  private static final Map<App, OwnedSettings> BY_APP = Map.of(
      // Comfy-Org/ComfyUI comfy/cli_args.py:36-215 (argparse, abbreviations allowed): every folder
      // flag, the paths file, the port; CLI_ARGS is word-split by the image's entrypoint
      App.COMFYUI, new OwnedSettings(
          List.of("--extra-model-paths-config", "--output-directory", "--input-directory", "--base-directory", "--models-directory",
              "--user-directory", "--temp-directory", "--database-url", "--front-end-root", "--port"),
          List.of("CLI_ARGS"), List.of(), false, List.of(), List.of()),
      App.FORGE, new OwnedSettings(FORGE_FLAGS, FORGE_ENV, List.of(), false, FORGE_TUNNELS, List.of()),
      App.FORGE_NEO, new OwnedSettings(FORGE_FLAGS, FORGE_ENV, List.of(), false, FORGE_TUNNELS, List.of()),
      // Fooocus v2.5.5: ldm_patched/modules/args_parser.py:34-45 and args_manager.py:3 (argparse; --s is
      // --share); modules/config.py:16-26,139,155-217 reads config_path and every config key (path_*,
      // temp_path, default_model ...) from an env variable of the same exact name; entrypoint.sh:5 DATADIR
      App.FOOOCUS, new OwnedSettings(
          List.of("--listen", "--port", "--disable-preset-download", "--output-path", "--temp-path", "--cache-path",
              "--external-working-path"),
          List.of("CMDARGS", "DATADIR", "config_path", "config_example_path", "temp_path", "temp_path_cleanup_on_launch", "default_model"),
          List.of("path_"), false, List.of("--share"), List.of()),
      // InvokeAI v6.13.8 invokeai/app/services/config/config_default.py:149-233,262 (pydantic-settings,
      // env_prefix INVOKEAI_, names case-insensitive); docker-entrypoint.sh:17,39-47 (CONTAINER_UID
      // switches the UID, even to 0; PUBLIC_KEY starts an SSH server)
      App.INVOKEAI, new OwnedSettings(
          // invokeai/frontend/cli/arg_parser.py:14-15
          List.of("--root", "--config"),
          List.of("INVOKEAI_ROOT", "INVOKEAI_HOST", "INVOKEAI_PORT", "INVOKEAI_OUTPUTS_DIR", "INVOKEAI_MODELS_DIR", "INVOKEAI_DB_DIR",
              "INVOKEAI_CUSTOM_NODES_DIR", "INVOKEAI_DOWNLOAD_CACHE_DIR", "INVOKEAI_CONVERT_CACHE_DIR", "INVOKEAI_LEGACY_CONF_DIR",
              "INVOKEAI_STYLE_PRESETS_DIR", "INVOKEAI_WORKFLOW_THUMBNAILS_DIR", "INVOKEAI_PROFILES_DIR", "INVOKEAI_LOG_HANDLERS",
              "INVOKEAI_LEGACY_MODELS_YAML_PATH", "INVOKEAI_UNSAFE_DISABLE_PICKLESCAN", "CONTAINER_UID", "PUBLIC_KEY"),
          List.of(), true, List.of(), List.of()),
      // fluxgym app.py:1119 launch() without share=, so gradio (blocks.py launch) reads GRADIO_SHARE;
      // GRADIO_SERVER_NAME/PORT (http_server.py:31,33) are the operator's
      App.FLUXGYM, new OwnedSettings(List.of(), List.of("GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT", "GRADIO_TEMP_DIR"), List.of(), false,
          List.of(), List.of("GRADIO_SHARE", "GRADIO_SHARE_SERVER_ADDRESS")),
      // ostris/ai-toolkit toolkit/paths.py:11-12 (MODELS_PATH wins over the setting), ui/src/middleware.ts:11
      // (the token is spec.auth's), docker/start.sh:12-43 (PUBLIC_KEY starts sshd)
      App.AI_TOOLKIT, new OwnedSettings(List.of(), List.of("MODELS_PATH", "AI_TOOLKIT_AUTH", "PUBLIC_KEY"), List.of(), false, List.of(),
          List.of()),
      App.CUSTOM, new OwnedSettings(List.of(), List.of(), List.of(), false, List.of(), List.of()));

  public static OwnedSettings of(App app) {
    return BY_APP.get(app);
  }
}
