package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Overrides for what the catalog knows about the app's container; the whole story for app: custom. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ContainerSpec {

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port the app listens on (catalog default per app).")
  public Integer port;

  @Pattern("^/.*")
  @JsonPropertyDescription("HTTP path that answers 200 when the app is ready (catalog default per app; '/' for custom).")
  @Size(max = 1024)
  public String readinessPath;

  @Min(60)
  @Max(7200)
  @JsonPropertyDescription("How long the first start may take before the app counts as failed, in seconds (default 1800: first starts download and compile).")
  public Integer startupSeconds;

  @Min(0)
  @JsonPropertyDescription("UID the image runs as; its writable folders are made owned by it before start (hostPath ignores fsGroup). Catalog default per app; 0 means root.")
  public Long runAsUser;

  @JsonPropertyDescription("Replaces the image's entrypoint (custom apps only need this when the image has none).")
  @Size(max = 64)
  public List<@Size(max = 4096) String> command;

  @Pattern("^/.*")
  @JsonPropertyDescription("Where the shared model store is mounted (default /models).")
  @Size(max = 1024)
  public String modelsPath;

  @Pattern("^/.*")
  @JsonPropertyDescription("Where the app's writable data folder is mounted (catalog default per app; custom default /data).")
  @Size(max = 1024)
  public String dataPath;

  @Pattern("^/.*")
  @JsonPropertyDescription("Where the user output folder is mounted (catalog default per app; custom default /output).")
  @Size(max = 1024)
  public String outputPath;

  @Pattern("^/.*")
  @JsonPropertyDescription("Where the shared, read-only input folder is mounted (custom default /input).")
  @Size(max = 1024)
  public String inputPath;

  @Pattern("^/.*")
  @JsonPropertyDescription("Where the shared workflows folder is mounted (custom default /workflows).")
  @Size(max = 1024)
  public String workflowsPath;
}
