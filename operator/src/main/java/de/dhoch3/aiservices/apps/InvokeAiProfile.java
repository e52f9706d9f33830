package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * InvokeAI: no folder mapping exists, so every model file of the store is registered IN PLACE
 * through InvokeAI's own API (scan_folder, then install with inplace=true) by a sidecar that
 * repeats every few minutes. The store is mounted outside INVOKEAI_ROOT because the entrypoint
 * chowns the root recursively at every start.
 */
public final class InvokeAiProfile extends AppProfile {
  static final String SCRIPT_KEY = "register_models.py";
  static final String SCRIPT_PATH = ComfyUiProfile.CONFIG_DIR + "/" + SCRIPT_KEY;
  static final String REGISTRAR = "model-registrar";
  static final String REGISTER_INTERVAL_SECONDS = "300";
  private static final String SCRIPT = load("/apps/invokeai_register_models.py");

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.INVOKEAI,
          "ghcr.io/invoke-ai/invokeai:latest",
          9090,
          "/api/v1/app/version",
          "InvokeAI",
          new ContainerPaths("/models", "/invokeai", "/user/output", null, null),
          null,
          null,
          List.of("checkpoints", "diffusion_models", "loras", "vae", "text_encoders", "controlnet",
              "clip_vision", "ipadapter", "embeddings", "upscale_models"),
          // the entrypoint gosu's to CONTAINER_UID 1000; the outputs folder lies outside its root
          1000L);

  public InvokeAiProfile() {
    super(DEFAULTS);
  }

  @Override
  public AppLayout translate(LayoutRequest request) {
    AppLayout layout = new AppLayout();
    layout.env("INVOKEAI_ROOT", request.paths().data())
        .env("INVOKEAI_HOST", "0.0.0.0")
        .env("INVOKEAI_PORT", String.valueOf(request.port()))
        .env("INVOKEAI_OUTPUTS_DIR", request.paths().output());

    List<String> scanPaths = new ArrayList<>();
    request.categories().forEach((category, folders) -> folders.forEach(folder -> {
      String path = request.paths().models() + "/" + folder;
      scanPaths.add(path);
      layout.modelPath(category, path, "api-registration (in place)");
    }));
    layout.configFiles.add(new AppLayout.ConfigFile(SCRIPT_KEY, SCRIPT_PATH, SCRIPT));
    layout.sidecars.add(new ContainerBuilder()
        .withName(REGISTRAR)
        .withImage(request.image())
        .withCommand("python3", SCRIPT_PATH)
        .addNewEnv().withName("INVOKEAI_URL").withValue("http://127.0.0.1:" + request.port()).endEnv()
        .addNewEnv().withName("SCAN_PATHS").withValue(String.join(":", scanPaths)).endEnv()
        .addNewEnv().withName("INTERVAL").withValue(REGISTER_INTERVAL_SECONDS).endEnv()
        .addNewVolumeMount().withName(AppLayout.CONFIG_VOLUME).withMountPath(SCRIPT_PATH).withSubPath(SCRIPT_KEY).withReadOnly(true).endVolumeMount()
        .withNewResources()
          .addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("64Mi"))
          .addToLimits("memory", new Quantity("256Mi"))
        .endResources()
        .build());
    return layout;
  }

  private static String load(String resource) {
    try (InputStream in = InvokeAiProfile.class.getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
