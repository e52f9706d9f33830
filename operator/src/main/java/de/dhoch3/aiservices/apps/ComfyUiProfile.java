package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ComfyUI (yanwk/comfyui-boot): the store is added through a generated extra_model_paths.yaml
 * with is_default false, so ComfyUI's own models folder (on the writable data volume) stays the
 * default and downloads never go to the store.
 */
public final class ComfyUiProfile extends AppProfile {
  static final String CONFIG_DIR = "/etc/aiservice";
  static final String EXTRA_PATHS_KEY = "extra_model_paths.yaml";
  static final String UPLOADS_PATH = "/user/uploads";

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.COMFYUI,
          "yanwk/comfyui-boot:cu128-slim",
          8188,
          "/system_stats",
          "ComfyUI",
          // the image copies itself into /root on first start, so /root is the data volume
          new ContainerPaths("/models", "/root", "/user/output", "/user/input", "/root/ComfyUI/user/default/workflows"),
          "CLI_ARGS",
          null,
          // clip, unet and t2i_adapter are reached as aliases of text_encoders, diffusion_models, controlnet
          StoreCategories.ALL.stream().filter(c -> !List.of("clip", "unet", "t2i_adapter").contains(c)).toList(),
          null);

  public ComfyUiProfile() {
    super(DEFAULTS);
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = new AppLayout();
    String modelsRoot = request.paths().models();

    Map<String, Object> section = new LinkedHashMap<>();
    section.put("base_path", modelsRoot);
    section.put("is_default", false);
    request.categories().forEach((category, folders) -> {
      // several folders for one key: one per line, as ComfyUI's extra_config.py reads them
      section.put(category, folders.size() == 1 ? folders.get(0) : String.join("\n", folders) + "\n");
      for (String folder : folders) {
        layout.modelPath(category, modelsRoot + "/" + folder, EXTRA_PATHS_KEY + ":" + category);
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
    // uploads (POST /upload/image) write into the input directory: give ComfyUI its own writable
    // folder on the user share and keep the shared input folder read-only beside it
    layout.userMounts.add(new AppLayout.UserMount("uploads/" + request.serviceDir(), UPLOADS_PATH, false));
    layout.arg("--input-directory", UPLOADS_PATH);
    return layout;
  }
}
