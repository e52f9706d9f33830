package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A storage root: a folder on the node (hostPath) or an existing PersistentVolumeClaim. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.hostPath) != has(self.claimName)",
    message = "set exactly one of hostPath (a folder on the node) or claimName (an existing PersistentVolumeClaim)")
public class VolumeRef {

  @Pattern("^/.*")
  @ValidationRule(value = "!self.matches('(^|/)[.][.](/|$)')", message = "must not contain '..': name the folder directly")
  @JsonPropertyDescription("Absolute folder on the node; must lie under one of the operator's allowed hostPath roots.")
  @Size(max = 1024)
  public String hostPath;

  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("Name of an existing PersistentVolumeClaim in the AIService's namespace.")
  @Size(max = 253)
  public String claimName;

  @Pattern("^[^/].*")
  @ValidationRule(value = "!self.matches('(^|/)[.][.](/|$)')", message = "must not contain '..': name the folder directly")
  @JsonPropertyDescription("Folder inside the claim or hostPath to use as the root (relative, no '..').")
  @Size(max = 1024)
  public String subPath;

  public VolumeRef() {}

  public static VolumeRef hostPath(String path) {
    VolumeRef ref = new VolumeRef();
    ref.hostPath = path;
    return ref;
  }

  public static VolumeRef claim(String claimName) {
    VolumeRef ref = new VolumeRef();
    ref.claimName = claimName;
    return ref;
  }
}
