package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** The three storage roots every app uses, as in the studio's layout. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StorageSpec {

  @JsonPropertyDescription("The shared model store (ComfyUI-style category folders). Always mounted read-only.")
  public VolumeRef models;

  @JsonPropertyDescription("Root of every app's writable data; this app uses <root>/<serviceDir>.")
  public VolumeRef data;

  @JsonPropertyDescription("The user share: output/<serviceDir> (read-write), input (read-only), workflows (read-write).")
  public VolumeRef user;

  @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")
  @JsonPropertyDescription("Folder name of this app on the data root and under output/ (default from the catalog, e.g. ComfyUI).")
  @Size(max = 255)
  public String serviceDir;

  @io.fabric8.generator.annotation.Min(1)
  @io.fabric8.generator.annotation.Max(3650)
  @JsonPropertyDescription("Opt in: outputs older than this many days are moved to output/.trash/<serviceDir>/ by the model inbox's runs and deleted"
      + " from there after the admin's grace period (inbox.trashDays). Unset: outputs are kept.")
  public Integer outputRetentionDays;

  @JsonPropertyDescription("Opt in (comfyui, fooocus): models the app downloads into its own model folders (ComfyUI Manager, Fooocus' start-up"
      + " downloads) are checked and moved into the store by the model inbox's runs, and the app's copy becomes a link to it, so every app"
      + " sees them. Needs the configured data root (no spec.storage.data).")
  public Boolean shareDownloads;
}
