package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forge (lllyasviel/stable-diffusion-webui-forge): one flag per category pointing at the store.
 * Its single-valued flags replace the default folder for that category but the defaults that
 * receive downloads (VAE-approx, VAE-taesd, RealESRGAN) stay on the writable data dir.
 * Diffusion models have no flag: they are mounted read-only inside models/Stable-diffusion,
 * which Forge always scans recursively.
 */
public final class ForgeProfile extends AppProfile {
  static final String DATA = "/data";
  private static final FlagTranslation FLAGS = new FlagTranslation("forge", flags());

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.FORGE,
          // UNVERIFIED: no upstream image; override with spec.image or apps.forge.image
          "ghcr.io/ai-dock/stable-diffusion-webui-forge:latest-cuda",
          7860,
          "/internal/ping",
          "Forge",
          // outputs default to <data-dir>/outputs: the user share is mounted there
          new ContainerPaths("/models", DATA, DATA + "/outputs", null, null),
          // launch.py appends $COMMANDLINE_ARGS to its argv, whatever entrypoint the image has
          "COMMANDLINE_ARGS",
          null,
          List.of("checkpoints", "diffusion_models", "loras", "vae", "text_encoders", "embeddings",
              "upscale_models", "controlnet", "hypernetworks"),
          null);

  private static Map<String, FlagTranslation.Flag> flags() {
    Map<String, FlagTranslation.Flag> flags = new LinkedHashMap<>();
    flags.put("checkpoints", new FlagTranslation.Flag("--ckpt-dir", false));
    flags.put("loras", new FlagTranslation.Flag("--lora-dir", false));
    flags.put("vae", new FlagTranslation.Flag("--vae-dir", false));
    flags.put("text_encoders", new FlagTranslation.Flag("--text-encoder-dir", false));
    flags.put("embeddings", new FlagTranslation.Flag("--embeddings-dir", false));
    flags.put("upscale_models", new FlagTranslation.Flag("--esrgan-models-path", false));
    flags.put("controlnet", new FlagTranslation.Flag("--controlnet-dir", false));
    flags.put("hypernetworks", new FlagTranslation.Flag("--hypernetwork-dir", false));
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

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = startArgs(request);
    String data = request.paths().data();
    String modelsRoot = request.paths().models();
    request.categories().forEach((category, folders) -> {
      if (FLAGS.handles(category)) {
        FLAGS.apply(layout, modelsRoot, category, folders);
      } else {
        // no flag: make the files visible where Forge scans for checkpoints anyway
        for (String folder : folders) {
          String target = data + "/models/Stable-diffusion/" + folder.replace('/', '_');
          layout.storeMounts.add(new AppLayout.StoreMount(folder, target));
          layout.modelPath(category, target, "mount in models/Stable-diffusion");
        }
      }
    });
    return layout;
  }
}
