package de.dhoch3.aiservices.reconcile.dependents;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.function.Function;

/**
 * One kind of object an AIService owns, taken from the workload the reconciler built. The
 * object's name is known without the workload, so an optional object (Ingress, ConfigMap, GPU
 * claim) can be found and deleted when the spec no longer asks for it.
 */
abstract class OwnedDependent<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, AIService> {
  private final Function<Workload, R> part;
  private final Function<AIService, String> name;

  OwnedDependent(Class<R> type, Function<Workload, R> part, Function<AIService, String> name) {
    super(type);
    this.part = part;
    this.name = name;
  }

  @Override
  protected R desired(AIService primary, Context<AIService> context) {
    return part.apply(DesiredWorkload.of(context));
  }

  @Override
  protected ResourceID targetSecondaryResourceID(AIService primary, Context<AIService> context) {
    return new ResourceID(name.apply(primary), primary.getMetadata().getNamespace());
  }
}
