package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FluxGym (cocktailpeanut/fluxgym): hard-coded paths with FIXED file names under
 * models/{unet,clip,vae} (app.py, models.yaml: flux1-dev.sft, flux1-schnell.safetensors, ae.sft,
 * clip_l and t5xxl_fp16). No public image can run it: the upstream Dockerfile deletes sd-scripts,
 * which app.py imports, so the studio builds its own.
 *
 * <p>The models folder is writable on the data volume (missing files are downloaded there when
 * training starts); the store's FLUX files are linked into it under FluxGym's names at each
 * start, only those the store holds. A spec.models.files entry with the same target replaces a
 * default.
 */
public final class FluxGymProfile extends AppProfile {
  static final String APP = "/app/fluxgym";
  static final String IMAGE_NEEDS = "no public FluxGym image can run (the upstream Dockerfile deletes sd-scripts, which app.py imports):"
      + " set spec.image, or apps.fluxgym.image in the operator configuration, to an image built from cocktailpeanut/fluxgym WITH"
      + " kohya-ss/sd-scripts (branch sd3) at /app/fluxgym/sd-scripts, running `python3 ./app.py` in /app/fluxgym as UID 1000"
      + " (or set spec.container.runAsUser) and serving Gradio on GRADIO_SERVER_PORT";

  /** Link in the data folder -> store file: what FluxGym looks for, and where a ComfyUI-style store keeps it. */
  static final Map<String, String> DEFAULT_FILES = defaultFiles();

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.FLUXGYM,
          null,
          7860,
          "/",
          "FluxGym",
          // the store is mounted for the links to resolve; models and datasets are mounted individually
          new ContainerPaths("/models", null, APP + "/outputs", "/user/input", null),
          null,
          null,
          List.of("diffusion_models", "text_encoders", "vae"),
          // appuser of the upstream Dockerfile (PUID 1000)
          1000L,
          IMAGE_NEEDS,
          List.of());

  private static Map<String, String> defaultFiles() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("models/unet/flux1-dev.sft", "diffusion_models/flux1-dev.safetensors");
    files.put("models/unet/flux1-schnell.safetensors", "diffusion_models/flux1-schnell.safetensors");
    files.put("models/clip/clip_l.safetensors", "text_encoders/clip_l.safetensors");
    files.put("models/clip/t5xxl_fp16.safetensors", "text_encoders/t5xxl_fp16.safetensors");
    files.put("models/vae/ae.sft", "vae/ae.safetensors");
    return files;
  }

  public FluxGymProfile() {
    super(DEFAULTS);
  }

  @Override
  public List<String> writableUserFolders() {
    return List.of("output", "datasets");
  }

  @Override
  public String[] cacheFolder(ContainerPaths paths) {
    return new String[] {"models/.cache", APP + "/models/.cache"};
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = new AppLayout();
    layout.env("GRADIO_SERVER_NAME", "0.0.0.0").env("GRADIO_SERVER_PORT", String.valueOf(request.port()));
    layout.dataMounts.add(new AppLayout.DataMount("models", APP + "/models"));
    // FluxGym (UID 1000) downloads missing weights into these folders
    layout.ownedDataPaths.addAll(List.of("models", "models/unet", "models/clip", "models/vae"));
    // training datasets are uploads: a writable folder of its own on the user share
    layout.userMounts.add(new AppLayout.UserMount("datasets/" + request.serviceDir(), APP + "/datasets", false));

    var models = request.spec().models;
    List<String> userTargets = models == null || models.files == null ? List.of() : models.files.stream().map(f -> f.target).toList();
    DEFAULT_FILES.forEach((link, source) -> {
      String category = source.substring(0, source.indexOf('/'));
      String target = APP + "/" + link;
      if (!request.categories().containsKey(category) || userTargets.contains(target)) {
        return;
      }
      // the studio keeps Flux in diffusion_models/FLUX1/ (its storage document): looked for there too
      String file = source.substring(source.indexOf('/') + 1);
      layout.storeLinks.add(new AppLayout.StoreLink(source, link, false,
          category.equals("diffusion_models") ? List.of("diffusion_models/FLUX1/" + file) : List.of()));
      layout.modelPath(category, source, target, "link " + link);
    });
    return layout;
  }
}
