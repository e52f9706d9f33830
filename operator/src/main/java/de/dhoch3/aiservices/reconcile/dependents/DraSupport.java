package de.dhoch3.aiservices.reconcile.dependents;

import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the cluster serves {@code resource.k8s.io/v1} (DRA, Kubernetes >= 1.34), asked once at
 * start. Only then are the ResourceClaimTemplate informer and dependent set up; on other clusters
 * the operator starts anyway and a {@code gpu.mode: dra} AIService stalls with a message.
 */
public final class DraSupport {
  private static final Logger LOG = LoggerFactory.getLogger(DraSupport.class);
  private DraSupport() {}

  public static boolean served(KubernetesClient client) {
    boolean served;
    try {
      served = client.supports(ResourceClaimTemplate.class);
    } catch (RuntimeException unanswered) {
      served = false;
    }
    LOG.info("resource.k8s.io/v1 (DRA) {}", served ? "served: gpu.mode dra available" : "not served: gpu.mode dra unavailable");
    return served;
  }
}
