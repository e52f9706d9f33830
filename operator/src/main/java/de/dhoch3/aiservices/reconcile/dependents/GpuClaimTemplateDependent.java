package de.dhoch3.aiservices.reconcile.dependents;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The ResourceClaimTemplate of an AIService, as the workload builder describes it. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_SELECTOR))
public class GpuClaimTemplateDependent extends CRUDKubernetesDependentResource<ResourceClaimTemplate, AIService> {

  public GpuClaimTemplateDependent() {
    super(ResourceClaimTemplate.class);
  }

  @Override
  protected ResourceClaimTemplate desired(AIService primary, Context<AIService> context) {
    return DesiredWorkload.of(context).gpuClaimTemplate();
  }
}
