package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.List;

/**
 * AI Toolkit (ostris/ai-toolkit; image ostris/aitoolkit, docker/Dockerfile: root, app in
 * /app/ai-toolkit, CMD /start.sh, UI on 8675). MODELS_PATH (env, wins over the setting) is a
 * writable folder on the data volume with links to the store's diffusion_models, text_encoders
 * and vae folders, made at start for those the store holds. Training output, datasets and
 * DATA_ROOT are database settings with defaults under /app/ai-toolkit (ui/src/paths.ts): the user
 * share and the data volume are mounted at those defaults.
 *
 * <p>The settings database (/app/ai-toolkit/aitk_db.db, ui/prisma/schema.prisma) gets its tables
 * only when the image is built ({@code prisma db push}); nothing creates them at start. So a
 * {@code seed-database} step copies the image's own database onto the data volume when the
 * persisted one is missing or empty, and never touches a real one.
 */
public final class AiToolkitProfile extends AppProfile {
  static final String APP = "/app/ai-toolkit";
  static final String DB_FILE = "aitk_db.db";
  static final String SEED_DATABASE = "seed-database";

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.AI_TOOLKIT,
          // the release workflow tags ostris/aitoolkit:$VERSION from version.py, which says 0.12.26 at
          // ostris/ai-toolkit 27a03a91 (2026-08-21); 0.13.x never occurs in its history. CUDA 13: host driver R580 or newer
          "ostris/aitoolkit:0.12.26",
          8675,
          "/",
          "AIToolkit",
          // the store is mounted for the links to resolve
          new ContainerPaths("/models", null, APP + "/output", "/user/input", null),
          null,
          null,
          List.of("diffusion_models", "text_encoders", "vae"),
          null,
          null,
          // runs as root: migrated folders made by a host user need DAC_OVERRIDE to be written (mounts keep the store read-only)
          List.of("DAC_OVERRIDE"));

  public AiToolkitProfile() {
    super(DEFAULTS);
  }

  @Override
  public List<String> writableUserFolders() {
    return List.of("output", "datasets");
  }

  @Override
  public String[] cacheFolder(ContainerPaths paths) {
    return new String[] {"cache", "/root/.cache"};
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = new AppLayout();
    String modelsPath = APP + "/models";
    layout.env("MODELS_PATH", modelsPath);
    layout.dataMounts.add(new AppLayout.DataMount("models", modelsPath));
    // Hugging Face downloads are large: keep them across restarts
    layout.dataMounts.add(new AppLayout.DataMount("cache", "/root/.cache"));
    // uploads and other state of the UI (DATA_ROOT's default)
    layout.dataMounts.add(new AppLayout.DataMount("data", APP + "/data"));
    layout.ownedDataPaths.add("data");
    // the settings database: seeded from the image's own (tables included) before its subPath mount
    layout.steps.add(new AppLayout.AppStep(SEED_DATABASE,
        "if [ -s " + AppLayout.PREPARE_DATA + "/" + DB_FILE + " ]; then echo 'kept the existing " + DB_FILE + "'; else "
            + "cp " + APP + "/" + DB_FILE + " " + AppLayout.PREPARE_DATA + "/" + DB_FILE + ".new && mv " + AppLayout.PREPARE_DATA + "/" + DB_FILE + ".new "
            + AppLayout.PREPARE_DATA + "/" + DB_FILE + " && echo 'seeded " + DB_FILE + " from the image'; fi"));
    layout.dataMounts.add(new AppLayout.DataMount(DB_FILE, APP + "/" + DB_FILE));
    layout.userMounts.add(new AppLayout.UserMount("datasets/" + request.serviceDir(), APP + "/datasets", false));

    request.categories().forEach((category, folders) -> {
      // AI Toolkit downloads missing weights into MODELS_PATH/{diffusion_models,text_encoders,vae}
      // (extensions_built_in/.../minimax_h3.py:109-117 hf_hub_download(local_dir=MODELS_PATH), ltx2.py,
      // z_image_l2p_model.py): each is a real folder of its own, the store's files linked into it one
      // by one; an alias folder (clip, unet) is linked into its category's folder the same way
      for (String folder : folders) {
        layout.entryLinks.add(new AppLayout.StoreLink(folder, "models/" + category, true));
        layout.modelPath(category, folder, modelsPath + "/" + category, "MODELS_PATH (a link per store file)");
      }
    });

    if (request.spec().auth != null) {
      String key = request.spec().auth.key != null ? request.spec().auth.key : "token";
      layout.env.add(new EnvVarBuilder().withName("AI_TOOLKIT_AUTH")
          .withNewValueFrom().withNewSecretKeyRef().withName(request.spec().auth.secretName).withKey(key).endSecretKeyRef().endValueFrom()
          .build());
    }
    return layout;
  }
}
