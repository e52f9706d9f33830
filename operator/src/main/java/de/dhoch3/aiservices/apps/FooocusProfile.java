package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fooocus (lllyasviel/Fooocus, image ghcr.io/lllyasviel/fooocus: Dockerfile {@code USER user},
 * {@code CMD sh -c "/content/entrypoint.sh ${CMDARGS}"}, data in /content/data). Its config.txt
 * (JSON, read through env config_path, modules/config.py) gets list keys [own writable folder,
 * store folders...] so downloads go to element 0 on the data volume; the folders Fooocus always
 * downloads into (vae_approx, prompt expansion, inpaint, controlnet, clip_vision, upscale) stay on
 * the writable side only.
 *
 * <p>A list key is dropped entirely when any of its folders is missing (get_dir_or_set_default),
 * so store folders are links made at start (an empty folder of its own when the store lacks one).
 * With --disable-preset-download the worker thread dies when the default checkpoint is missing
 * (async_worker imports default_pipeline outside any try), so the prepare step writes the final
 * config.txt with {@code default_model} set to spec.models.defaultModel or the first checkpoint the
 * store holds.
 */
public final class FooocusProfile extends AppProfile {
  static final String DATA = "/content/data";
  static final String TEMPLATE = "config.txt";
  /** Written by the prepare step at every start, from the template in the ConfigMap. */
  static final String CONFIG = DATA + "/.aiservice/config.txt";
  static final String MODEL_PLACEHOLDER = "@DEFAULT_MODEL@";

  /** Store category -> config key; list keys take several folders, the others one. */
  private static final Map<String, String> LIST_KEYS = Map.of("checkpoints", "path_checkpoints", "loras", "path_loras");
  private static final Map<String, String> SINGLE_KEYS = Map.of("embeddings", "path_embeddings", "vae", "path_vae");
  /** Folders Fooocus writes into at start or on first use: never the store. */
  private static final Map<String, String> WRITABLE_KEYS = writableKeys();

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.FOOOCUS,
          // last release v2.5.5; .github/workflows/build_container.yml tags releases by semver without 'v'
          "ghcr.io/lllyasviel/fooocus:2.5.5",
          7865,
          "/",
          "Fooocus",
          // the studio compose file mounts storage-user/input read-only at /inputs for its apps
          new ContainerPaths("/models", DATA, "/user/output", "/inputs", null),
          // the image's entrypoint runs launch.py $CMDARGS
          "CMDARGS",
          null,
          List.of("checkpoints", "loras", "embeddings", "vae"),
          // the Dockerfile's `adduser user`, the first user of the image; override with spec.container.runAsUser
          1000L,
          null,
          List.of());

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

  /**
   * models/<folder> below the data folder: the first path of the list keys and the folders Fooocus
   * downloads into at start (modules/config.py path_* defaults), where they are store categories.
   */
  @Override
  public Map<String, String> ownModelFolders() {
    Map<String, String> folders = new java.util.TreeMap<>();
    LIST_KEYS.keySet().forEach(category -> folders.put("models/" + category, category));
    WRITABLE_KEYS.values().stream().filter(StoreCategories.ALL::contains).forEach(category -> folders.put("models/" + category, category));
    return folders;
  }

  public FooocusProfile() {
    super(DEFAULTS);
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = new AppLayout();
    String data = request.paths().data();
    String own = data + "/models/";
    // entrypoint.sh:21-23 links /content/app/models to <data>/models and copies models.org/. into it as
    // the image's user (cp -Rpn), then modules/config.py makedirs e.g. models/vae_approx: models/ and
    // all in it must be the app user's (a root-owned models/ ends Fooocus with PermissionError)
    layout.ownedDataPaths.add("models");
    layout.handedOverTrees.add("models");
    Map<String, Object> config = new LinkedHashMap<>();
    // first key: its line is dropped when the store holds no checkpoint (the JSON stays valid)
    config.put("default_model", MODEL_PLACEHOLDER);
    request.categories().forEach((category, folders) -> {
      if (LIST_KEYS.containsKey(category)) {
        String key = LIST_KEYS.get(category);
        List<String> paths = new ArrayList<>();
        paths.add(own + category);
        layout.ownedDataPaths.add("models/" + category);
        folders.forEach(folder -> paths.add(layout.linkFolder(category, folder, data, "store/" + folder.replace('/', '_'), "config.txt:" + key)));
        config.put(key, paths);
      } else if (SINGLE_KEYS.containsKey(category)) {
        if (folders.size() > 1) {
          throw new InvalidSpecException("spec.models.extraPaths",
              "fooocus takes one folder for " + category + " (" + SINGLE_KEYS.get(category) + "); point the category at one folder");
        }
        config.put(SINGLE_KEYS.get(category), layout.linkFolder(category, folders.get(0), data, "store/" + folders.get(0).replace('/', '_'),
            "config.txt:" + SINGLE_KEYS.get(category)));
      }
    });
    WRITABLE_KEYS.forEach((key, folder) -> config.put(key, own + folder));
    config.put("path_outputs", request.paths().output());
    config.put("temp_path", data + "/temp");

    layout.configFiles.add(new AppLayout.ConfigFile(TEMPLATE, null, ConfigFormats.json(config)));
    layout.env("config_path", CONFIG);
    // rewritten at every start, so it must live on the writable data volume
    layout.env("config_example_path", data + "/config_modification_tutorial.txt");
    // rewritten at every start with an unguarded open(..., "w") (modules/config.py); a migrated folder has one of a host user's
    layout.ownedDataFiles.add("config_modification_tutorial.txt");
    layout.arg("--listen", "--port", String.valueOf(request.port()), "--disable-preset-download");

    String chosen = request.spec().models != null ? request.spec().models.defaultModel : null;
    layout.ownedDataPaths.add(".aiservice");
    layout.ownedDataFiles.add(".aiservice/config.txt");
    String target = AppLayout.PREPARE_DATA + "/.aiservice/config.txt";
    String template = AppLayout.PREPARE_CONFIG + "/" + TEMPLATE;
    layout.prepareCommands.add("model=" + Shell.quote(chosen == null ? "" : chosen));
    // the first checkpoint file by glob (busybox ls prints ? for bytes it cannot show); names with control characters are skipped
    layout.prepareCommands.add("if [ -z \"$model\" ] && [ -d " + AppLayout.PREPARE_MODELS + "/checkpoints ]; then for f in "
        + AppLayout.PREPARE_MODELS + "/checkpoints/*; do n=\"$(basename \"$f\")\"; case \"$n\" in *[[:cntrl:]]*) continue;; "
        + "*.[sS][aA][fF][eE][tT][eE][nN][sS][oO][rR][sS]|*.[cC][kK][pP][tT]) if [ -f \"$f\" ]; then model=\"$n\"; break; fi;; esac; done; fi");
    // JSON string escaping (backslash, quote), then sed replacement escaping (backslash, &, the | delimiter)
    layout.prepareCommands.add("if [ -n \"$model\" ]; then json=\"$(printf '%s' \"$model\" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/\"/\\\\\"/g')\";"
        + " esc=\"$(printf '%s' \"$json\" | sed -e 's/[\\\\&|]/\\\\&/g')\"; sed \"s|" + MODEL_PLACEHOLDER
        + "|$esc|\" " + template + " > " + target + "; report \"default_model $model\"; else grep -v '" + MODEL_PLACEHOLDER + "' " + template
        + " > " + target + "; report \"no checkpoint in the store: Fooocus cannot generate until one is added (or set spec.models.defaultModel)\";"
        // a restart when one arrives (StoreChangeRestarts restarts apps whose category was reported missing)
        + " report \"missing checkpoints: no checkpoint file to start with\"; fi");
    return layout;
  }
}
