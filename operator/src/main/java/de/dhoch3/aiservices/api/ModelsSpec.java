package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** Per-AIService adjustments of the model layout translation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelsSpec {

  @JsonPropertyDescription("Only offer these shared categories to the app (e.g. [checkpoints, loras]). Omitted: every category the app supports.")
  @Size(max = 64)
  public List<@Pattern("^[a-z0-9_]+$") @Size(max = 63) String> categories;

  @JsonPropertyDescription("Extra category -> store folder mappings, e.g. {category: loras, path: loras-sdxl}. Paths are relative to the model store.")
  @Size(max = 64)
  public List<ExtraPath> extraPaths;

  @JsonPropertyDescription("Single files of the store mounted read-only at a path in the container (e.g. FluxGym's fixed file names).")
  @Size(max = 64)
  public List<FileMount> files;

  @JsonPropertyDescription("Store folders mounted read-only at a path in the container (the whole mapping for app: custom).")
  @Size(max = 64)
  public List<FileMount> mounts;

  @JsonPropertyDescription("fooocus: the checkpoint file loaded at start (a file name in a checkpoints folder). Default: the first checkpoint found in the store's checkpoints folder.")
  @Pattern("^[^/]+(/[^/]+)*$")
  @Size(max = 255)
  public String defaultModel;

  /** A category the app should find in an extra store folder. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ExtraPath {
    @Required
    @Pattern("^[a-z0-9_]+$")
    @JsonPropertyDescription("Category name as the app knows it (e.g. loras).")
    @Size(max = 63)
    public String category;

    @Required
    @Pattern("^[^/].*")
    @ValidationRule(value = "!self.matches('(^|/)[.][.](/|$)')", message = "must not contain '..': name the folder directly")
    @JsonPropertyDescription("Folder relative to the model store (no leading '/', no '..').")
    @Size(max = 1024)
    public String path;
  }

  /** A store file or folder and where the container sees it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class FileMount {
    @Required
    @Pattern("^[^/].*")
    @ValidationRule(value = "!self.matches('(^|/)[.][.](/|$)')", message = "must not contain '..': name the folder directly")
    @JsonPropertyDescription("Path relative to the model store (no leading '/', no '..').")
    @Size(max = 1024)
    public String source;

    @Required
    @Pattern("^/.*")
    @JsonPropertyDescription("Absolute path inside the container.")
    @Size(max = 1024)
    public String target;
  }
}
