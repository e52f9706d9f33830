package de.dhoch3.aiservices.reconcile.dependents;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;

/**
 * An informer's store that keeps each object without {@code metadata.managedFields}. A real API
 * server writes that field set (a few KB per Deployment) into every object; the operator never
 * reads it (it writes with plain updates, not server-side apply), and at 10,000 AIServices it would
 * be a large share of the heap. JOSDK's {@link TransformingItemStore} is the cache-pruning hook.
 */
public class WithoutManagedFields<R extends HasMetadata> extends TransformingItemStore<R> {
  public WithoutManagedFields() {
    super(object -> {
      object.getMetadata().setManagedFields(null);
      return object;
    });
  }
}
