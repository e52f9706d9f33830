package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** What file the store must hold, where it comes from, and what happens to it when the AIModel goes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.source.civitai) || has(self.fileName)",
    message = "a civitai source needs spec.fileName (Civitai names the file only in its answer)")
@ValidationRule(value = "has(self.category) != (has(self.source.huggingFace) && !has(self.source.huggingFace.file))",
    message = "a file needs spec.category; a whole Hugging Face repository (huggingFace without file) goes to the shared hub cache and takes no category")
@ValidationRule(value = "!has(self.source.upload) || (has(self.fileName) && has(self.sha256))",
    message = "an upload record names its fileName and sha256 (the model inbox writes them)")
public class AIModelSpec {
  public enum DeletionPolicy {
    @JsonProperty("Retain") RETAIN,
    @JsonProperty("Delete") DELETE
  }

  @Required
  @JsonPropertyDescription("Where the file comes from: exactly one of url, huggingFace, civitai.")
  public Source source;

  @Pattern("^[a-z0-9_]+$")
  @Size(max = 63)
  @JsonPropertyDescription("The store category folder the file goes into, e.g. checkpoints, loras, vae (not for a whole repository).")
  public String category;

  @Pattern("^[A-Za-z0-9][A-Za-z0-9._ +()-]*(/[A-Za-z0-9][A-Za-z0-9._ +()-]*)*$")
  @Size(max = 255)
  @JsonPropertyDescription("A sub-folder of the category the file goes into, e.g. FLUX1 (diffusion_models/FLUX1/, as the studio keeps Flux) or SDXL/realistic.")
  public String folder;

  @Pattern("^[A-Za-z0-9][A-Za-z0-9._ +()-]*$")
  @Size(max = 255)
  @JsonPropertyDescription("File name in the category folder (one segment). Default: the last segment of the url or of huggingFace.file.")
  public String fileName;

  @Pattern("^[a-f0-9]{64}$")
  @JsonPropertyDescription("Expected SHA-256 (lowercase hex); the download is refused when it differs.")
  public String sha256;

  @JsonPropertyDescription("A Secret with a token sent as 'Authorization: Bearer'; never logged, never in status or Events.")
  public SecretRef secretRef;

  @JsonPropertyDescription("The store to write into. Default: the operator configuration's storage.models.")
  public VolumeRef models;

  @JsonPropertyDescription("Retain (default) leaves the file when the AIModel is deleted; Delete removes exactly that file if its checksum is still the recorded one.")
  public DeletionPolicy deletionPolicy;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "(has(self.url) ? 1 : 0) + (has(self.huggingFace) ? 1 : 0) + (has(self.civitai) ? 1 : 0) + (has(self.upload) ? 1 : 0) == 1",
      message = "set exactly one of url, huggingFace, civitai (upload is the model inbox's record)")
  // the authority of an https URL is what lies between https:// and the first / ? or #
  @ValidationRule(value = "!has(self.url) || !self.url.matches('^https://[^/?#]*@')",
      message = "url: user-info (user:password@) is refused; give a token through spec.secretRef")
  @ValidationRule(value = "!has(self.url) || !self.url.matches('^https://([[]|[0-9.]+([:/?#]|$)|0[xX][0-9a-fA-F]+([:/?#]|$))')",
      message = "url: an IP address is refused; downloads go to a public host by name")
  public static class Source {
    @Pattern("^https://[^\\s]+$")
    @Size(max = 2048)
    @JsonPropertyDescription("An https URL of the file.")
    public String url;

    @JsonPropertyDescription("A file of a Hugging Face repository.")
    public HuggingFace huggingFace;

    @JsonPropertyDescription("A model version on Civitai.")
    public Civitai civitai;

    @JsonPropertyDescription("Written by the operator: the file came in through the model inbox (models-upload on the share); nothing is downloaded, and deleting this record never deletes the file.")
    public Upload upload;
  }

  /** The model inbox's record of a file it moved into the store. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Upload {
    @Size(max = 1024)
    @JsonPropertyDescription("Where it was dropped, below models-upload, e.g. checkpoints/SDXL/juggernaut.safetensors.")
    public String from;

    @JsonPropertyDescription("Its size in bytes.")
    public Long bytes;

    @Size(max = 255)
    @JsonPropertyDescription("Set when an app downloaded it into its own model folder (spec.storage.shareDownloads): that app's service folder;"
        + " from is then the path in the store's category.")
    public String app;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HuggingFace {
    @Required
    @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
    @Size(max = 200)
    @JsonPropertyDescription("owner/name, e.g. black-forest-labs/FLUX.1-dev.")
    public String repo;

    @Pattern("^[^/].*[^/]$|^[^/]$")
    @Size(max = 1024)
    @JsonPropertyDescription("Path of the file in the repository, e.g. ae.safetensors. Without it: the whole repository at the revision,"
        + " into the shared Hugging Face hub cache (operator configuration storage.caches.hfHub), as diffusers-format training needs it.")
    public String file;

    @Pattern("^[A-Za-z0-9._-][A-Za-z0-9._/-]*$")
    @Size(max = 255)
    @JsonPropertyDescription("Branch, tag or commit (default main); a commit pins the file.")
    public String revision;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Civitai {
    @Required
    @Min(1)
    @Max(999999999)
    @JsonPropertyDescription("The model version id (from the model page's download link).")
    public Long modelVersionId;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretRef {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @Size(max = 253)
    public String name;

    @Pattern("^[-._a-zA-Z0-9]+$")
    @Size(max = 253)
    @JsonPropertyDescription("Key of the token in the Secret (default: token).")
    public String key;
  }
}
