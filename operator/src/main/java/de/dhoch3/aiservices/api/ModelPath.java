package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** One translated model category: where the app finds it and how the app was told. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelPath {
  @JsonPropertyDescription("Shared store category, e.g. loras.")
  public String category;

  @JsonPropertyDescription("Path inside the container.")
  public String path;

  @JsonPropertyDescription("How the app is told: a flag, a config key, an env variable, a link, a mount or api-registration.")
  public String via;

  @JsonPropertyDescription("The store folder or file (relative to the store root) behind it.")
  public String source;

  @JsonPropertyDescription("Whether the store held it when the pod last started (read from the pod's prepare step); absent until then.")
  public Boolean found;

  public ModelPath() {}

  public ModelPath(String category, String source, String path, String via) {
    this.category = category;
    this.source = source;
    this.path = path;
    this.via = via;
  }

  /** A copy that says whether the store held the source. */
  public ModelPath withFound(Boolean found) {
    ModelPath copy = new ModelPath(category, source, path, via);
    copy.found = found;
    return copy;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelPath other
        && Objects.equals(category, other.category)
        && Objects.equals(path, other.path)
        && Objects.equals(via, other.via)
        && Objects.equals(source, other.source)
        && Objects.equals(found, other.found);
  }

  @Override
  public int hashCode() {
    return Objects.hash(category, path, via, source, found);
  }

  @Override
  public String toString() {
    return category + " -> " + path + " (" + via + ")";
  }
}
