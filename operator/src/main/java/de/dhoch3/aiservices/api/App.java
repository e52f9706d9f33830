package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

/** The apps the catalog knows; {@code custom} runs any image with user-listed mounts. */
public enum App {
  @JsonProperty("comfyui") COMFYUI("comfyui"),
  @JsonProperty("forge") FORGE("forge"),
  @JsonProperty("forge-neo") FORGE_NEO("forge-neo"),
  @JsonProperty("fooocus") FOOOCUS("fooocus"),
  @JsonProperty("invokeai") INVOKEAI("invokeai"),
  @JsonProperty("fluxgym") FLUXGYM("fluxgym"),
  @JsonProperty("ai-toolkit") AI_TOOLKIT("ai-toolkit"),
  @JsonProperty("custom") CUSTOM("custom");

  private final String value;

  App(String value) {
    this.value = value;
  }

  @JsonValue
  public String value() {
    return value;
  }

}
