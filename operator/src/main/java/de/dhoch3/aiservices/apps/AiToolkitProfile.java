package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.List;

/**
 * AI Toolkit (ostris/ai-toolkit): MODELS_PATH is a writable folder on the data volume through
 * which the shared diffusion_models, text_encoders and vae folders are visible read-only.
 * Training output and datasets are database settings, not env: the user share is mounted at
 * their defaults. The settings database must exist as a file before start.
 */
public final class AiToolkitProfile extends AppProfile {
  static final String APP = "/app/ai-toolkit";
  static final String DB_FILE = "aitk_db.db";

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.AI_TOOLKIT,
          "ostris/aitoolkit:latest",
          8675,
          "/",
          "AIToolkit",
          new ContainerPaths(null, null, APP + "/output", "/user/input", null),
          null,
          null,
          List.of("diffusion_models", "text_encoders", "vae"),
          null);

  public AiToolkitProfile() {
    super(DEFAULTS);
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = new AppLayout();
    String modelsPath = APP + "/models";
    layout.env("MODELS_PATH", modelsPath);
    layout.dataMounts.add(new AppLayout.DataMount("models", modelsPath));
    // Hugging Face downloads are large: keep them across restarts
    layout.dataMounts.add(new AppLayout.DataMount("cache", "/root/.cache"));
    // the SQLite settings file must exist as a FILE before its subPath mount, or kubelet makes a folder
    layout.prepareCommands.add("touch " + AppLayout.PREPARE_DATA + "/" + DB_FILE);
    layout.dataMounts.add(new AppLayout.DataMount(DB_FILE, APP + "/" + DB_FILE));
    layout.userMounts.add(new AppLayout.UserMount("datasets/" + request.serviceDir(), APP + "/datasets", false));

    request.categories().forEach((category, folders) -> {
      String target = modelsPath + "/" + category;
      // one folder per category name; an alias folder (clip, unet) gets its own name beside it
      for (String folder : folders) {
        String path = folder.equals(category) ? target : modelsPath + "/" + folder.replace('/', '_');
        layout.storeMounts.add(new AppLayout.StoreMount(folder, path));
        layout.modelPath(category, path, "MODELS_PATH mount (read-only)");
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
