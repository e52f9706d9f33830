package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ModelsSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FluxGym: hard-coded paths with FIXED file names under models/{unet,clip,vae}. The models
 * folder is writable on the data volume (missing files are downloaded at training start); the
 * usual FLUX files of the store are mounted into it read-only, one file each, renamed.
 * A spec.models.files entry with the same target replaces a default.
 */
public final class FluxGymProfile extends AppProfile {
  static final String APP = "/app/fluxgym";

  /** Container target -> store file: what FluxGym looks for, and where a ComfyUI-style store keeps it. */
  static final Map<String, String> DEFAULT_FILES = defaultFiles();

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.FLUXGYM,
          // UNVERIFIED: no upstream image (the Dockerfile builds one); override with spec.image or apps.fluxgym.image
          "ghcr.io/cocktailpeanut/fluxgym:latest",
          7860,
          "/",
          "FluxGym",
          // no data root of its own: the models folder and datasets are mounted individually
          new ContainerPaths(null, null, APP + "/outputs", "/user/input", null),
          null,
          null,
          List.of("diffusion_models", "text_encoders", "vae"),
          // appuser of the upstream Dockerfile
          1000L);

  private static Map<String, String> defaultFiles() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(APP + "/models/unet/flux1-dev.sft", "diffusion_models/flux1-dev.safetensors");
    files.put(APP + "/models/clip/clip_l.safetensors", "text_encoders/clip_l.safetensors");
    files.put(APP + "/models/clip/t5xxl_fp16.safetensors", "text_encoders/t5xxl_fp16.safetensors");
    files.put(APP + "/models/vae/ae.sft", "vae/ae.safetensors");
    return files;
  }

  public FluxGymProfile() {
    super(DEFAULTS);
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = new AppLayout();
    layout.env("GRADIO_SERVER_NAME", "0.0.0.0").env("GRADIO_SERVER_PORT", String.valueOf(request.port()));
    layout.dataMounts.add(new AppLayout.DataMount("models", APP + "/models"));
    // training datasets are uploads: a writable folder of its own on the user share
    layout.userMounts.add(new AppLayout.UserMount("datasets/" + request.serviceDir(), APP + "/datasets", false));

    ModelsSpec models = request.spec().models;
    List<String> userTargets = models == null || models.files == null ? List.of() : models.files.stream().map(f -> f.target).toList();
    DEFAULT_FILES.forEach((target, source) -> {
      String category = source.substring(0, source.indexOf('/'));
      if (!request.categories().containsKey(category) || userTargets.contains(target)) {
        return;
      }
      layout.storeMounts.add(new AppLayout.StoreMount(source, target));
      layout.modelPath(category, target, "file mount of " + source);
    });
    return layout;
  }
}
