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

  @JsonPropertyDescription("How the app is told: a flag, a config key, an env variable, a mount or api-registration.")
  public String via;

  public ModelPath() {}

  public ModelPath(String category, String path, String via) {
    this.category = category;
    this.path = path;
    this.via = via;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelPath other
        && Objects.equals(category, other.category)
        && Objects.equals(path, other.path)
        && Objects.equals(via, other.via);
  }

  @Override
  public int hashCode() {
    return Objects.hash(category, path, via);
  }

  @Override
  public String toString() {
    return category + " -> " + path + " (" + via + ")";
  }
}
