package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fooocus: a generated config.txt (JSON) read through env config_path. List keys get
 * [own writable folder, shared folders...] so downloads go to element 0 on the data volume;
 * the folders Fooocus always downloads into (vae_approx, prompt expansion, inpaint,
 * controlnet, clip_vision, upscale) stay on the writable side only.
 */
public final class FooocusProfile extends AppProfile {
  static final String DATA = "/content/data";
  static final String CONFIG = ComfyUiProfile.CONFIG_DIR + "/config.txt";

  /** Store category -> config key; list keys take several folders, the others one. */
  private static final Map<String, String> LIST_KEYS = Map.of("checkpoints", "path_checkpoints", "loras", "path_loras");
  private static final Map<String, String> SINGLE_KEYS = Map.of("embeddings", "path_embeddings", "vae", "path_vae");
  /** Folders Fooocus writes into at start or on first use: never the store. */
  private static final Map<String, String> WRITABLE_KEYS = writableKeys();

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.FOOOCUS,
          "ghcr.io/lllyasviel/fooocus:latest",
          7865,
          "/",
          "Fooocus",
          new ContainerPaths("/models", DATA, "/user/output", null, null),
          // the image's entrypoint runs launch.py $CMDARGS
          "CMDARGS",
          null,
          List.of("checkpoints", "loras", "embeddings", "vae"),
          // UNVERIFIED: the image's non-root user; override with spec.container.runAsUser
          1000L);

  private static Map<String, String> writableKeys() {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("path_vae_approx", "vae_approx");
    keys.put("path_fooocus_expansion", "prompt_expansion/fooocus_expansion");
    keys.put("path_inpaint", "inpaint");
    keys.put("path_controlnet", "controlnet");
    keys.put("path_clip_vision", "clip_vision");
    keys.put("path_upscale_models", "upscale_models");
    return keys;
  }

  public FooocusProfile() {
    super(DEFAULTS);
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = new AppLayout();
    String own = request.paths().data() + "/models/";
    String store = request.paths().models() + "/";
    Map<String, Object> config = new LinkedHashMap<>();
    request.categories().forEach((category, folders) -> {
      if (LIST_KEYS.containsKey(category)) {
        String key = LIST_KEYS.get(category);
        List<String> paths = new ArrayList<>();
        paths.add(own + category);
        folders.forEach(folder -> paths.add(store + folder));
        config.put(key, paths);
        folders.forEach(folder -> layout.modelPath(category, store + folder, "config.txt:" + key));
      } else if (SINGLE_KEYS.containsKey(category)) {
        if (folders.size() > 1) {
          throw new InvalidSpecException("spec.models.extraPaths",
              "fooocus takes one folder for " + category + " (" + SINGLE_KEYS.get(category) + "); point the category at one folder");
        }
        config.put(SINGLE_KEYS.get(category), store + folders.get(0));
        layout.modelPath(category, store + folders.get(0), "config.txt:" + SINGLE_KEYS.get(category));
      }
    });
    WRITABLE_KEYS.forEach((key, folder) -> config.put(key, own + folder));
    config.put("path_outputs", request.paths().output());
    config.put("temp_path", request.paths().data() + "/temp");

    layout.configFiles.add(new AppLayout.ConfigFile("config.txt", CONFIG, ConfigFormats.json(config)));
    layout.env("config_path", CONFIG);
    // rewritten at every start, so it must live on the writable data volume
    layout.env("config_example_path", request.paths().data() + "/config_modification_tutorial.txt");
    layout.arg("--listen", "--port", String.valueOf(request.port()), "--disable-preset-download");
    return layout;
  }
}
