package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * Credentials for apps that protect their API: AI Toolkit's token (AI_TOOLKIT_AUTH), InvokeAI's
 * administrator login in multi-user mode (keys email and password).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuthSpec {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("Secret in the AIService's namespace holding the token (invokeai: the keys email and password).")
  @Size(max = 253)
  public String secretName;

  @JsonPropertyDescription("Key of the token in the Secret (default: token; invokeai: key of the password, default password).")
  @Size(max = 253)
  public String key;

  @JsonPropertyDescription("ai-toolkit only: when the Secret does not exist, the operator creates it with a random token (never changed or"
      + " deleted afterwards; read it with kubectl get secret <secretName> -o jsonpath='{.data.token}' | base64 -d).")
  public Boolean generate;
}
