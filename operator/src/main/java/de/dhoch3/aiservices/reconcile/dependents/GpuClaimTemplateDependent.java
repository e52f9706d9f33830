package de.dhoch3.aiservices.reconcile.dependents;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.workload.Labels;
import de.dhoch3.aiservices.workload.Names;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;

/**
 * The ResourceClaimTemplate of an AIService: a standalone dependent, set up only on clusters that
 * serve DRA. Not a workflow node with an activation condition: JOSDK 5.2.3 registers such a node's
 * event source again on every reconcile ({@code AbstractWorkflowExecutor
 * .registerOrDeregisterEventSourceBasedOnActivation}), taking the controller's EventSourceManager
 * lock and the informer's start lock each time, while the reconcile holds the workflow's lock.
 */
public class GpuClaimTemplateDependent extends OwnedDependent<ResourceClaimTemplate> {
  public GpuClaimTemplateDependent() {
    super(ResourceClaimTemplate.class, Workload::gpuClaimTemplate, Names::gpuClaimTemplate);
  }

  /** Standalone, so no annotation configures its informer: only the operator's own objects, as for every other kind. */
  @Override
  protected InformerEventSourceConfiguration.Builder<ResourceClaimTemplate> informerConfigurationBuilder(
      EventSourceContext<AIService> context) {
    return super.informerConfigurationBuilder(context).withLabelSelector(Labels.MANAGED_BY_SELECTOR).withItemStore(new WithoutManagedFields<>());
  }

  /**
   * A template's spec is immutable (Kubernetes {@code staging/src/k8s.io/api/resource/v1/types.go},
   * ResourceClaimTemplate.Spec; a PUT that changes it is refused with 422): a changed spec replaces
   * the object, the AIService's own one (found by its labels) only. Pods already running keep the
   * claim made for them; the pod template's {@code ai.dhoch3.de/gpu-claim} annotation rolls them.
   */
  @Override
  public ResourceClaimTemplate update(ResourceClaimTemplate actual, ResourceClaimTemplate desired, AIService primary,
      Context<AIService> context) {
    boolean specChanged = OwnedObjectDiff.differences(desired, actual, primary.getMetadata().getUid()).stream()
        .anyMatch(difference -> difference.startsWith("spec"));
    if (!specChanged) {
      return super.update(actual, desired, primary, context);
    }
    context.getClient().resource(actual).delete();
    return create(desired, primary, context);
  }

  /** Creates or updates the template the workload has, or deletes the AIService's own when it has none. */
  public void apply(Workload workload, AIService ai, Context<AIService> context) {
    if (workload.gpuClaimTemplate() != null) {
      reconcile(ai, context);
    } else {
      delete(ai, context);
    }
  }
}
