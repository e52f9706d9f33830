package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forge (lllyasviel/stable-diffusion-webui-forge). No maintained public image exists (ai-dock's
 * was last built in 2024, reads FORGE_ARGS and puts a login proxy on 7860), so the image is the
 * studio's: one that runs Forge's launch.py, which appends $COMMANDLINE_ARGS to its arguments.
 *
 * <p>Every store folder reaches Forge through a link in its writable data folder, made at start
 * only if the folder exists (else an empty folder of Forge's own): Forge {@code os.makedirs} the
 * LoRA, hypernetwork and ControlNet folders it is given (networks.py, shared_init.py,
 * modules_forge/shared.py), which crashes on a missing folder of a read-only mount. Checkpoints
 * and diffusion models (no flag) are linked into models/Stable-diffusion and LoRA folders into
 * one LoRA folder, both listed with os.walk(followlinks=True) (modules/util.py walk_files), so
 * every folder of those categories is kept, aliases and extra paths included. The other flags
 * take one folder: the category's main folder (alias folders such as clip cannot be added).
 */
public final class ForgeProfile extends AppProfile {
  static final String DATA = "/data";
  static final String IMAGE_NEEDS = "no maintained public Forge image exists: set spec.image, or apps.forge.image in the operator"
      + " configuration, to an image that runs Forge's launch.py (it appends COMMANDLINE_ARGS) from lllyasviel/stable-diffusion-webui-forge"
      + " with its Python packages installed (the operator passes --skip-prepare-environment --skip-install), listening on the"
      + " --port it is given; as root, or set spec.container.runAsUser";
  /** Single-valued flags: the category's main folder, through a link in the data folder. */
  private static final Map<String, String> SINGLE_FLAGS = singleFlags();

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.FORGE,
          null,
          7860,
          "/internal/ping",
          "Forge",
          // outputs default to <data-dir>/outputs (modules/paths_internal.py): the user share is mounted there
          // the studio compose file mounts storage-user/input read-only at /inputs (img2img batch, ControlNet inputs)
          new ContainerPaths("/models", DATA, DATA + "/outputs", "/inputs", null),
          // launch.py appends $COMMANDLINE_ARGS to its argv, whatever entrypoint the image has
          "COMMANDLINE_ARGS",
          null,
          List.of("checkpoints", "diffusion_models", "loras", "vae", "text_encoders", "embeddings",
              "upscale_models", "controlnet", "hypernetworks"),
          null,
          IMAGE_NEEDS,
          // runs as root: migrated folders made by a host user need DAC_OVERRIDE to be written (mounts keep the store read-only)
          List.of("DAC_OVERRIDE"));

  private static Map<String, String> singleFlags() {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("vae", "--vae-dir");
    flags.put("text_encoders", "--text-encoder-dir");
    flags.put("embeddings", "--embeddings-dir");
    flags.put("upscale_models", "--esrgan-models-path");
    flags.put("controlnet", "--controlnet-dir");
    flags.put("hypernetworks", "--hypernetwork-dir");
    return flags;
  }

  public ForgeProfile() {
    super(DEFAULTS);
  }

  /** What both Forge variants are started with: data on the writable volume, no pip or git at start. */
  static AppLayout startArgs(LayoutRequest request) {
    return new AppLayout().arg("--data-dir", request.paths().data(), "--listen", "--port", String.valueOf(request.port()),
        "--skip-prepare-environment", "--skip-install");
  }

  /** A link name for a store folder: one segment. */
  static String linkName(String folder) {
    return folder.replace('/', '_');
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = startArgs(request);
    String data = request.paths().data();
    request.categories().forEach((category, folders) -> {
      if (category.equals("checkpoints") || category.equals("diffusion_models")) {
        for (String folder : folders) {
          layout.linkFolder(category, folder, data, "models/Stable-diffusion/" + linkName(folder), "link in models/Stable-diffusion");
        }
      } else if (category.equals("loras")) {
        layout.arg("--lora-dir", data + "/store/loras");
        for (String folder : folders) {
          layout.linkFolder(category, folder, data, "store/loras/" + linkName(folder), "link in the --lora-dir folder");
        }
      } else if (SINGLE_FLAGS.containsKey(category)) {
        List<String> extra = folders.subList(1, folders.size()).stream()
            .filter(f -> !StoreCategories.foldersOf(category).contains(f)).toList();
        if (!extra.isEmpty()) {
          throw new InvalidSpecException("spec.models.extraPaths", "forge takes one folder for " + category + " ("
              + SINGLE_FLAGS.get(category) + "), so " + extra + " cannot be added; use forge-neo (repeatable flags) or point the category at one folder");
        }
        String path = layout.linkFolder(category, folders.get(0), data, "store/" + linkName(folders.get(0)), SINGLE_FLAGS.get(category) + " (link)");
        layout.arg(SINGLE_FLAGS.get(category), path);
      }
    });
    return layout;
  }
}
