package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** What the user asks for: one app, its GPU, its storage and how it is reached. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.app != 'custom' || has(self.image)",
    message = "app: custom needs spec.image (the container image to run)")
@ValidationRule(
    value = "self.app != 'custom' || (has(self.container) && has(self.container.port))",
    message = "app: custom needs spec.container.port (the port the app listens on)")
@ValidationRule(
    value = "!has(self.auth) || !has(self.auth.generate) || !self.auth.generate || self.app == 'ai-toolkit'",
    message = "spec.auth.generate: only ai-toolkit's token can be generated (InvokeAI's administrator is made in InvokeAI itself);"
        + " create the Secret with the keys email and password and remove generate")
@ValidationRule(
    value = "!has(self.storage) || !has(self.storage.shareDownloads) || !self.storage.shareDownloads || self.app in ['comfyui', 'fooocus']",
    message = "spec.storage.shareDownloads: only comfyui and fooocus download into model folders of their own; remove it for this app")
@ValidationRule(
    value = "!has(self.storage) || !has(self.storage.shareDownloads) || !self.storage.shareDownloads || !has(self.storage.data)",
    message = "spec.storage.shareDownloads: the model inbox reaches the apps' folders on the configured data root only; remove spec.storage.data or shareDownloads")
public class AIServiceSpec {

  @Required
  @JsonPropertyDescription("The app to run: comfyui, forge, forge-neo, fooocus, invokeai, fluxgym, ai-toolkit, or custom (any image; then set image and container.port).")
  public App app;

  @JsonPropertyDescription("Container image. Defaults to the catalog's image for the app; required for app: custom.")
  @Size(max = 512)
  public String image;

  @JsonPropertyDescription("true scales the app to zero and keeps everything else (storage, Service, Ingress, config).")
  public Boolean suspend;

  @JsonPropertyDescription("GPU for the app. Omitted: the operator's GPU defaults (one GPU).")
  public GpuSpec gpu;

  @JsonPropertyDescription("Where models, the app's data and user files live. Omitted parts come from the operator configuration.")
  public StorageSpec storage;

  @JsonPropertyDescription("Adjusts which parts of the shared model store the app sees and how.")
  public ModelsSpec models;

  @JsonPropertyDescription("Overrides for the catalog's container facts (port, probes, paths); required for app: custom.")
  public ContainerSpec container;

  @JsonPropertyDescription("Credentials from a Secret: ai-toolkit's API token (AI_TOOLKIT_AUTH); invokeai's administrator login (keys email and password) for the model registrar of a multi-user InvokeAI.")
  public AuthSpec auth;

  @JsonPropertyDescription("How the app is reached: the Service and an optional Ingress.")
  public ExposeSpec expose;

  @JsonPropertyDescription("CPU/memory requests and limits for the app container (GPU is set through spec.gpu).")
  public ResourceRequirements resources;

  @JsonPropertyDescription("Extra environment variables for the app container; they win over the operator's.")
  @Size(max = 128)
  public List<EnvVar> env;

  @JsonPropertyDescription("Extra command-line arguments appended after the operator's.")
  @Size(max = 64)
  public List<@Size(max = 4096) String> args;

  @JsonPropertyDescription("Extra node labels the pod must match (merged with the GPU selection).")
  @Size(max = 64)
  public Map<String, @Size(max = 63) String> nodeSelector;

  @JsonPropertyDescription("Extra tolerations (merged with the GPU toleration).")
  @Size(max = 64)
  public List<Toleration> tolerations;

  @JsonPropertyDescription("Pod affinity rules (merged with the GPU selection).")
  public Affinity affinity;
}
