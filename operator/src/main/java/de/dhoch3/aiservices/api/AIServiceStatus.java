package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator observed; kstatus-compatible (observedGeneration, Ready/Reconciling/Stalled). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AIServiceStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Ready, Reconciling and Stalled, as kstatus, Flux and Argo CD read them.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Where the app is reached.")
  public String url;

  @JsonPropertyDescription("Desired replicas of the app (0 when suspended).")
  public Integer replicas;

  @JsonPropertyDescription("Replicas that are ready.")
  public Integer readyReplicas;

  @JsonPropertyDescription("The translated model layout: what the app finds where, and how it was told.")
  public List<ModelPath> modelPaths;

  @JsonPropertyDescription("Bytes in the app's data folder and its output folder, as the model inbox's last run measured them (only with the configured storage).")
  public Storage storage;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Storage {
    public Long dataBytes;
    public Long outputBytes;

    @Override
    public boolean equals(Object o) {
      return o instanceof Storage other && Objects.equals(dataBytes, other.dataBytes) && Objects.equals(outputBytes, other.outputBytes);
    }

    @Override
    public int hashCode() {
      return Objects.hash(dataBytes, outputBytes);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof AIServiceStatus other)) {
      return false;
    }
    return Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(conditions, other.conditions)
        && Objects.equals(url, other.url)
        && Objects.equals(replicas, other.replicas)
        && Objects.equals(readyReplicas, other.readyReplicas)
        && Objects.equals(modelPaths, other.modelPaths)
        && Objects.equals(storage, other.storage);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, url, replicas, readyReplicas, modelPaths, storage);
  }
}
