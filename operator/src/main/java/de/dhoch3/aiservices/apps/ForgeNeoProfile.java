package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forge Neo (Haoming02/sd-webui-forge-classic, branch neo), what the studio runs today: its
 * repeatable --*-dirs flags take every store folder of a category, aliases included
 * (diffusion models go to --ckpt-dirs). Neo has no --ckpt-dir, --vae-dir or --models-dir.
 */
public final class ForgeNeoProfile extends AppProfile {
  private static final FlagTranslation FLAGS = new FlagTranslation("forge-neo", flags());

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.FORGE_NEO,
          // UNVERIFIED: the studio builds its own image of the neo branch; override with spec.image or apps.forge-neo.image
          "ghcr.io/haoming02/sd-webui-forge-classic:neo",
          7860,
          "/internal/ping",
          "Forge",
          new ContainerPaths("/models", ForgeProfile.DATA, ForgeProfile.DATA + "/outputs", null, null),
          "COMMANDLINE_ARGS",
          null,
          List.copyOf(flags().keySet()),
          null);

  private static Map<String, FlagTranslation.Flag> flags() {
    Map<String, FlagTranslation.Flag> flags = new LinkedHashMap<>();
    flags.put("checkpoints", new FlagTranslation.Flag("--ckpt-dirs", true));
    flags.put("diffusion_models", new FlagTranslation.Flag("--ckpt-dirs", true));
    flags.put("loras", new FlagTranslation.Flag("--lora-dirs", true));
    flags.put("vae", new FlagTranslation.Flag("--vae-dirs", true));
    flags.put("text_encoders", new FlagTranslation.Flag("--text-encoder-dirs", true));
    flags.put("controlnet", new FlagTranslation.Flag("--controlnet-dirs", true));
    flags.put("embeddings", new FlagTranslation.Flag("--embeddings-dir", false));
    flags.put("upscale_models", new FlagTranslation.Flag("--esrgan-models-path", false));
    return flags;
  }

  public ForgeNeoProfile() {
    super(DEFAULTS);
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = ForgeProfile.startArgs(request);
    request.categories().forEach((category, folders) -> FLAGS.apply(layout, request.paths().models(), category, folders));
    return layout;
  }
}
