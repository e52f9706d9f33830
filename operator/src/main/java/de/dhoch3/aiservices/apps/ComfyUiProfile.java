package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ComfyUI (yanwk/comfyui-boot): the store is added through a generated extra_model_paths.yaml
 * with is_default false, so ComfyUI's own models folder (on the writable data volume) stays the
 * default and downloads never go to the store. Missing store folders are harmless:
 * utils/extra_config.py adds them unchecked and folder_paths.recursive_search skips a folder that
 * is not there. The image (YanWenKun/ComfyUI-Docker cu126-megapak/Dockerfile and
 * runner-scripts/entrypoint.sh) runs as root in /root, copies ComfyUI into /root/ComfyUI on first
 * start and runs {@code python3 ./ComfyUI/main.py --listen --port 8188 ${CLI_ARGS}}.
 *
 * <p>ComfyUI has one input folder, which uploads write into (POST /upload/image), and LoadImage
 * lists only its top level (nodes.py, os.listdir) and refuses files that resolve outside it
 * (folder_paths.get_annotated_filepath). So the input folder is the app's writable uploads
 * folder, the shared input is mounted read-only INSIDE it at {@code shared/}, and the prepare
 * step links each top-level shared file into the uploads folder (relative links that resolve
 * inside it): LoadImage lists shared inputs, uploads stay writable, the share stays read-only.
 */
public final class ComfyUiProfile extends AppProfile {
  static final String CONFIG_DIR = "/etc/aiservice";
  static final String EXTRA_PATHS_KEY = "extra_model_paths.yaml";
  static final String UPLOADS_PATH_DEFAULT = "/user/uploads";
  static final String SHARED_INPUT = "shared";
  static final String PREPARE_UPLOADS = "/aiservice/uploads";
  static final String PREPARE_INPUT = "/aiservice/input";

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.COMFYUI,
          // cu128-* were archived upstream (May 2026); cu126-megapak is maintained and what the studio runs
          // (rolling tag; pin a dated cu126-megapak-YYYYMMDD tag with apps.comfyui.image)
          "yanwk/comfyui-boot:cu126-megapak",
          8188,
          "/system_stats",
          "ComfyUI",
          // the image copies itself into /root on first start, so /root is the data volume
          new ContainerPaths("/models", "/root", "/user/output", UPLOADS_PATH_DEFAULT + "/" + SHARED_INPUT, "/root/ComfyUI/user/default/workflows"),
          "CLI_ARGS",
          null,
          // clip, unet and t2i_adapter are reached as aliases of text_encoders, diffusion_models, controlnet
          StoreCategories.ALL.stream().filter(c -> !List.of("clip", "unet", "t2i_adapter").contains(c)).toList(),
          null,
          null,
          // root in /root; a migrated /root (or custom_nodes, user/) made by a host user belongs to that
          // user, and root without DAC_OVERRIDE cannot write there (the store stays read-only: a mount, not a permission)
          List.of("DAC_OVERRIDE"));

  /**
   * The folder names ComfyUI itself defines (folder_paths.py folder_names_and_paths): for these its
   * own models/<name> is the first path and the generated file's paths come after it (is_default false).
   */
  static final List<String> BUILT_IN = List.of("checkpoints", "configs", "loras", "vae", "text_encoders", "diffusion_models",
      "clip_vision", "style_models", "embeddings", "diffusers", "vae_approx", "controlnet", "gligen", "upscale_models",
      "latent_upscale_models", "custom_nodes", "hypernetworks", "photomaker", "classifiers", "model_patches", "audio_encoders");

  public ComfyUiProfile() {
    super(DEFAULTS);
  }

  /** ComfyUI/models/<category> below /root: the first path of each key, where ComfyUI Manager downloads. */
  @Override
  public Map<String, String> ownModelFolders() {
    Map<String, String> folders = new java.util.TreeMap<>();
    defaults().categories().forEach(category -> folders.put("ComfyUI/models/" + category, category));
    return folders;
  }

  @Override
  public List<String> writableUserFolders() {
    return List.of("output", "uploads");
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = new AppLayout();
    String modelsRoot = request.paths().models();

    Map<String, Object> section = new LinkedHashMap<>();
    section.put("base_path", modelsRoot);
    section.put("is_default", false);
    request.categories().forEach((category, folders) -> {
      List<String> values = new java.util.ArrayList<>();
      if (!BUILT_IN.contains(category)) {
        // a key ComfyUI does not define itself is created by the first file that names it, and a plugin
        // then finds it registered (IPAdapter_plus adds models/ipadapter only when the key is not yet
        // there): the app's own folder first, where downloads land, the store after it
        values.add(request.paths().data() + "/ComfyUI/models/" + category);
      }
      values.addAll(folders);
      // several folders for one key: one per line, as ComfyUI's extra_config.py reads them
      section.put(category, values.size() == 1 ? values.get(0) : String.join("\n", values) + "\n");
      for (String folder : folders) {
        layout.storeChecks.add(folder);
        layout.modelPath(category, folder, modelsRoot + "/" + folder, EXTRA_PATHS_KEY + ":" + category);
      }
    });
    String configPath = CONFIG_DIR + "/" + EXTRA_PATHS_KEY;
    layout.configFiles.add(new AppLayout.ConfigFile(EXTRA_PATHS_KEY, configPath, ConfigFormats.yaml(Map.of("aiservice_shared_store", section))));

    layout.arg("--extra-model-paths-config", configPath);
    if (request.port() != DEFAULTS.port()) {
      layout.arg("--port", String.valueOf(request.port()));
    }
    if (request.paths().output() != null) {
      layout.arg("--output-directory", request.paths().output());
    }
    // uploads (POST /upload/image) write into the input directory: ComfyUI's own writable folder on
    // the user share, with the shared input read-only inside it (where input points: <uploads>/shared)
    String input = request.paths().input();
    String uploads = input != null && input.endsWith("/" + SHARED_INPUT) ? input.substring(0, input.length() - SHARED_INPUT.length() - 1) : UPLOADS_PATH_DEFAULT;
    layout.userMounts.add(new AppLayout.UserMount("uploads/" + request.serviceDir(), uploads, false));
    layout.arg("--input-directory", uploads);
    if (input != null && input.equals(uploads + "/" + SHARED_INPUT)) {
      layout.prepareMounts.add(new AppLayout.PrepareMount("uploads/" + request.serviceDir(), PREPARE_UPLOADS, false));
      layout.prepareMounts.add(new AppLayout.PrepareMount("input", PREPARE_INPUT, true));
      // relative links resolve inside the input folder, where ComfyUI accepts them; stale ones go
      layout.prepareCommands.add("for f in " + PREPARE_INPUT + "/*; do n=\"$(basename \"$f\")\"; "
          + "if [ -f \"$f\" ] && [ ! -e \"" + PREPARE_UPLOADS + "/$n\" ] && [ ! -L \"" + PREPARE_UPLOADS + "/$n\" ]; then ln -s \"" + SHARED_INPUT + "/$n\" \"" + PREPARE_UPLOADS + "/$n\"; fi; done");
      layout.prepareCommands.add("for l in " + PREPARE_UPLOADS + "/*; do if [ -L \"$l\" ]; then case \"$(readlink \"$l\")\" in "
          + SHARED_INPUT + "/*) if [ ! -e \"" + PREPARE_INPUT + "/$(basename \"$l\")\" ]; then rm \"$l\"; fi;; esac; fi; done");
    }
    return layout;
  }
}
