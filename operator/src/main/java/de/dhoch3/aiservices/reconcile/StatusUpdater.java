package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Objects;

/**
 * Writes the status subresource, and only when it changed: an idle operator writes nothing.
 * A plain PUT of /status with the cached resourceVersion; a conflict is retried by JOSDK.
 */
public final class StatusUpdater {
  private final KubernetesClient client;

  public StatusUpdater(KubernetesClient client) {
    this.client = client;
  }

  /** @return true when a write happened */
  public boolean update(AIService current, AIServiceStatus status) {
    if (Objects.equals(current.getStatus(), status)) {
      return false;
    }
    AIService patch = new AIService();
    patch.setMetadata(new ObjectMetaBuilder()
        .withName(current.getMetadata().getName())
        .withNamespace(current.getMetadata().getNamespace())
        .withResourceVersion(current.getMetadata().getResourceVersion())
        .build());
    patch.setSpec(current.getSpec());
    patch.setStatus(status);
    client.resource(patch).updateStatus();
    return true;
  }
}
