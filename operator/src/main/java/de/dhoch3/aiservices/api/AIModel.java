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

/** One model file the store must hold: downloaded by a Job, the only pod that writes the store. */
@Group(AIService.GROUP)
@Version(AIService.VERSION)
@Kind("AIModel")
@Plural("aimodels")
@ShortNames("aim")
@Annotations({"helm.sh/resource-policy=keep", "argocd.argoproj.io/sync-wave=-1",
    "argocd.argoproj.io/sync-options=Prune=false,Delete=false,ServerSideApply=true"})
@AdditionalPrinterColumn(name = "Category", jsonPath = ".spec.category", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "File", jsonPath = ".status.path", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.size", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class AIModel extends CustomResource<AIModelSpec, AIModelStatus> implements Namespaced {
  public static final String CRD_NAME = "aimodels." + AIService.GROUP;

  @Override
  protected AIModelStatus initStatus() {
    return null;
  }
}
