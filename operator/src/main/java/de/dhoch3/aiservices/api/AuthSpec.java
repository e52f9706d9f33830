package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** An API token for apps that protect their API with one (AI Toolkit: AI_TOOLKIT_AUTH). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuthSpec {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("Secret in the AIService's namespace holding the token.")
  @Size(max = 253)
  public String secretName;

  @JsonPropertyDescription("Key of the token in the Secret (default: token).")
  @Size(max = 253)
  public String key;
}
