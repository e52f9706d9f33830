package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forge Neo (Haoming02/sd-webui-forge-classic, branch neo), what the studio runs today. Its
 * repeatable --*-dirs flags (modules/cmd_args.py, action="append") take every store folder of a
 * category, aliases included (diffusion models go to --ckpt-dirs); Neo has no --ckpt-dir,
 * --vae-dir or --models-dir. Each folder is a link in the data folder, made only if it exists.
 * Neo's output root is {@code <data>/output} (modules/paths_internal.py), not Forge's outputs.
 * Its own data folder (ForgeNeo): launch.py waits for keyboard input when it finds another Forge
 * variant's config.json, and a pod has no keyboard.
 */
public final class ForgeNeoProfile extends AppProfile {
  static final String IMAGE_NEEDS = "upstream publishes no Forge Neo image: set spec.image, or apps.forge-neo.image in the operator"
      + " configuration, to an image of the neo branch of Haoming02/sd-webui-forge-classic that runs its launch.py (it reads"
      + " COMMANDLINE_ARGS) with its Python packages installed (the operator passes --skip-prepare-environment --skip-install),"
      + " listening on the --port it is given; as root, or set spec.container.runAsUser";
  /** Store category -> flag; repeatable flags take every folder. */
  private static final Map<String, String> REPEATABLE = repeatable();
  private static final Map<String, String> SINGLE = Map.of("embeddings", "--embeddings-dir", "upscale_models", "--esrgan-models-path");

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.FORGE_NEO,
          null,
          7860,
          "/internal/ping",
          "ForgeNeo",
          // the studio compose file mounts storage-user/input read-only at /inputs (img2img batch, ControlNet inputs)
          new ContainerPaths("/models", ForgeProfile.DATA, ForgeProfile.DATA + "/output", "/inputs", null),
          "COMMANDLINE_ARGS",
          null,
          List.of("checkpoints", "diffusion_models", "loras", "vae", "text_encoders", "controlnet", "embeddings", "upscale_models"),
          null,
          IMAGE_NEEDS,
          // runs as root: migrated folders made by a host user need DAC_OVERRIDE to be written (mounts keep the store read-only)
          List.of("DAC_OVERRIDE"));

  private static Map<String, String> repeatable() {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("checkpoints", "--ckpt-dirs");
    flags.put("diffusion_models", "--ckpt-dirs");
    flags.put("loras", "--lora-dirs");
    flags.put("vae", "--vae-dirs");
    flags.put("text_encoders", "--text-encoder-dirs");
    flags.put("controlnet", "--controlnet-dirs");
    return flags;
  }

  public ForgeNeoProfile() {
    super(DEFAULTS);
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = ForgeProfile.startArgs(request);
    String data = request.paths().data();
    request.categories().forEach((category, folders) -> {
      String flag = REPEATABLE.containsKey(category) ? REPEATABLE.get(category) : SINGLE.get(category);
      if (flag == null) {
        return;
      }
      List<String> given = REPEATABLE.containsKey(category) ? folders : folders.subList(0, 1);
      List<String> dropped = folders.subList(given.size(), folders.size()).stream()
          .filter(f -> !StoreCategories.foldersOf(category).contains(f)).toList();
      if (!dropped.isEmpty()) {
        throw new de.dhoch3.aiservices.validation.InvalidSpecException("spec.models.extraPaths", "forge-neo takes one folder for "
            + category + " (" + flag + "), so " + dropped + " cannot be added; point the category at one folder");
      }
      for (String folder : given) {
        layout.arg(flag, layout.linkFolder(category, folder, data, "store/" + ForgeProfile.linkName(folder), flag + " (link)"));
      }
    });
    return layout;
  }
}
