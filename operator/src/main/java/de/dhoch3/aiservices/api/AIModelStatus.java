package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** kstatus conditions plus what the store now holds. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AIModelStatus {
  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Ready, Reconciling and Stalled, as kstatus, Flux and Argo CD read them.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The file in the store, relative to its root (category/fileName).")
  public String path;

  @JsonPropertyDescription("Size of the file in bytes once downloaded.")
  public Long bytes;

  @JsonPropertyDescription("Human-readable size (e.g. 23.8 GB).")
  public String size;

  @JsonPropertyDescription("SHA-256 of the file as downloaded.")
  public String sha256;

  @JsonPropertyDescription("The Job that downloads (or deletes) the file.")
  public String job;

  @Override
  public boolean equals(Object o) {
    return o instanceof AIModelStatus other && Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(conditions, other.conditions) && Objects.equals(path, other.path) && Objects.equals(bytes, other.bytes)
        && Objects.equals(size, other.size) && Objects.equals(sha256, other.sha256) && Objects.equals(job, other.job);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, path, bytes, sha256, job);
  }
}
