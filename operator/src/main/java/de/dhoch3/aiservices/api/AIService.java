package de.dhoch3.aiservices.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.Annotations;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One AI image app (ComfyUI, Forge, ...) run on the cluster's GPUs. */
@Group(AIService.GROUP)
@Version(AIService.VERSION)
@Kind("AIService")
@Plural("aiservices")
@ShortNames("ais")
// Uninstalling the chart (helm or Argo CD) must not delete the CRD: that would delete every
// AIService with it. Argo CD applies it first (sync wave -1), server-side (no 256 KiB
// last-applied annotation), and never prunes or deletes it.
@Annotations({"helm.sh/resource-policy=keep", "argocd.argoproj.io/sync-wave=-1",
    "argocd.argoproj.io/sync-options=Prune=false,Delete=false,ServerSideApply=true"})
@AdditionalPrinterColumn(name = "App", jsonPath = ".spec.app", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "URL", jsonPath = ".status.url", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class AIService extends CustomResource<AIServiceSpec, AIServiceStatus> implements Namespaced {
  public static final String GROUP = "ai.dhoch3.de";
  public static final String VERSION = "v1alpha1";
  public static final String CRD_NAME = "aiservices." + GROUP;

  @Override
  protected AIServiceStatus initStatus() {
    return null; // a fresh resource has no status until the operator has looked at it
  }
}
