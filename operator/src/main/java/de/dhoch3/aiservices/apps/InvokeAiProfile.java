package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.AuthSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
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
 * chowns the root recursively at every start. A multi-user InvokeAI (multiuser: true) needs an
 * administrator's token for every model call: with spec.auth the sidecar gets the email and
 * password from that Secret and logs in (POST /api/v1/auth/login, then "Authorization: Bearer"),
 * as read in InvokeAI's invokeai/app/api/routers/auth.py and invokeai/app/api/auth_dependencies.py.
 */
public final class InvokeAiProfile extends AppProfile {
  static final String SCRIPT_KEY = "register_models.py";
  static final String SCRIPT_PATH = ComfyUiProfile.CONFIG_DIR + "/" + SCRIPT_KEY;
  static final String REGISTRAR = "model-registrar";
  /** New store files are registered within a minute (the promise; a pass is a few cheap API calls). */
  static final String REGISTER_INTERVAL_SECONDS = "60";
  /**
   * Pinned: `latest` is built from main (an alpha at times). v6.13.8 is the newest tag without rc
   * in `git tag` of github.com/invoke-ai/InvokeAI (mirror snapshot of August 2026; the only newer
   * tags are v6.14.0-rc1 and -rc2). Tag scheme from the repository's
   * .github/workflows/build-container.yml: docker/metadata-action `type=ref,event=tag` with the
   * flavor `suffix=-<gpu-driver>`, so a release is published as v&lt;version&gt;-cuda (-cpu,
   * -rocm); a bare v&lt;version&gt; tag does not exist.
   */
  static final String IMAGE = "ghcr.io/invoke-ai/invokeai:v6.13.8-cuda";
  /** Secret keys read for a multi-user InvokeAI (spec.auth); spec.auth.key renames the password key. */
  static final String EMAIL_KEY = "email";
  static final String PASSWORD_KEY = "password";
  private static final String SCRIPT = load("/apps/invokeai_register_models.py");

  private static final AppDefaults DEFAULTS =
      new AppDefaults(
          App.INVOKEAI,
          IMAGE,
          9090,
          "/api/v1/app/version",
          "InvokeAI",
          // read-only inputs where InvokeAI can import images from (its own uploads go to its outputs and DB)
          new ContainerPaths("/models", "/invokeai", "/user/output", "/inputs", null),
          null,
          null,
          List.of("checkpoints", "diffusion_models", "loras", "vae", "text_encoders", "controlnet",
              "clip_vision", "ipadapter", "embeddings", "upscale_models"),
          // the entrypoint gosu's to CONTAINER_UID 1000; the outputs folder lies outside its root
          1000L,
          null,
          // docker/docker-entrypoint.sh: chown -R of INVOKEAI_ROOT as root, then gosu to the user (setuid/setgid)
          List.of("CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID"));

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
      layout.storeChecks.add(folder);
      layout.modelPath(category, folder, path, "api-registration (in place)");
    }));
    layout.configFiles.add(new AppLayout.ConfigFile(SCRIPT_KEY, SCRIPT_PATH, SCRIPT));
    ContainerBuilder registrar = new ContainerBuilder()
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
        .endResources();
    AuthSpec auth = request.spec().auth;
    if (auth != null) {
      registrar.addToEnv(secretEnv("INVOKEAI_EMAIL", auth.secretName, EMAIL_KEY),
          secretEnv("INVOKEAI_PASSWORD", auth.secretName, auth.key != null ? auth.key : PASSWORD_KEY));
    }
    layout.sidecars.add(registrar.build());
    return layout;
  }

  private static EnvVar secretEnv(String name, String secret, String key) {
    return new EnvVarBuilder().withName(name)
        .withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(key).endSecretKeyRef().endValueFrom()
        .build();
  }

  private static String load(String resource) {
    try (InputStream in = InvokeAiProfile.class.getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
