package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import java.util.List;

/**
 * Any image: the store is mounted read-only at /models (or container.modelsPath) and the user
 * lists further store mounts in spec.models.mounts; nothing is translated.
 */
public final class CustomProfile extends AppProfile {
  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.CUSTOM,
          null,
          0,
          "/",
          null,
          new ContainerPaths("/models", "/data", "/output", "/input", "/workflows"),
          null,
          null,
          List.of(),
          null,
          "any image: set spec.image and spec.container.port",
          List.of());

  public CustomProfile() {
    super(DEFAULTS);
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = new AppLayout();
    layout.modelPath("*", "", request.paths().models(), "mount");
    return layout;
  }
}
