package de.dhoch3.aiservices.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's own configuration: one YAML file read at start (rendered by the Helm chart).
 * Without a file the defaults are the studio's layout under /vol/service/cw.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public class OperatorConfig {

  public Storage storage = new Storage();
  public Gpu gpu = new Gpu();
  public Ingress ingress = new Ingress();

  /** Namespaces to watch; empty means all. */
  public List<String> watchNamespaces = new ArrayList<>();

  /** Per-app overrides of the catalog's defaults, keyed by app name (e.g. comfyui: {image: ...}). */
  public Map<String, AppOverride> apps = new LinkedHashMap<>();

  public static class Storage {
    public VolumeRef models = VolumeRef.hostPath("/vol/service/cw/storage-models/models");
    public VolumeRef data = VolumeRef.hostPath("/vol/service/cw/storage");
    public VolumeRef user = VolumeRef.hostPath("/vol/service/cw/storage-user");
    /** hostPath volumes are only allowed at or below one of these folders. */
    public List<String> allowedHostPaths = new ArrayList<>(List.of("/vol/service/cw"));
  }

  public static class Gpu {
    public GpuSpec.Mode mode = GpuSpec.Mode.EXCLUSIVE;
    public int count = 1;
    public String resourceName = "nvidia.com/gpu";
    public String sharedResourceName = "nvidia.com/gpu.shared";
    public String runtimeClassName = "nvidia";
    public String deviceClassName = "gpu.nvidia.com";
    public List<Toleration> tolerations =
        new ArrayList<>(
            List.of(
                new TolerationBuilder()
                    .withKey("nvidia.com/gpu")
                    .withOperator("Exists")
                    .withEffect("NoSchedule")
                    .build()));
  }

  public static class Ingress {
    /** AIServices without an ingress host get {@code <name>.<domain>}. */
    public String domain;
    public String className;
    /** Default cert-manager ClusterIssuer for ingresses that ask for TLS without naming one. */
    public String clusterIssuer;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AppOverride {
    public String image;
  }

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public static OperatorConfig defaults() {
    return new OperatorConfig();
  }

  /** Reads the file; a missing or empty file means the defaults. Unknown keys are an error. */
  public static OperatorConfig load(Path file) {
    if (file == null) {
      return defaults();
    }
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    } catch (IOException e) {
      throw new ConfigException("cannot read operator configuration " + file + ": " + e.getMessage(), e);
    }
  }

  public static OperatorConfig parse(InputStream in, String source) {
    try {
      byte[] bytes = in.readAllBytes();
      if (new String(bytes).isBlank()) {
        return defaults();
      }
      OperatorConfig config = YAML.readValue(bytes, OperatorConfig.class);
      config.check(source);
      return config;
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(
          source + ": unknown key '" + e.getPropertyName() + "' at " + e.getPathReference()
              + "; known keys: " + e.getKnownPropertyIds(), e);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ConfigException(source + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  private void check(String source) {
    for (String root : storage.allowedHostPaths) {
      if (root == null || !root.startsWith("/") || root.contains("..")) {
        throw new ConfigException(
            source + ": storage.allowedHostPaths entries must be absolute folders without '..', got '" + root + "'", null);
      }
    }
    if (gpu.count < 0) {
      throw new ConfigException(source + ": gpu.count must be 0 or more, got " + gpu.count, null);
    }
  }

  public String imageOverride(String app) {
    AppOverride override = apps.get(app);
    return override == null ? null : override.image;
  }

  public static class ConfigException extends RuntimeException {
    public ConfigException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
