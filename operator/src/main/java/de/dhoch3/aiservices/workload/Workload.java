package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.ModelPath;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import java.util.ArrayList;
import java.util.List;

/**
 * The desired state of one AIService: every object the operator owns for it, plus what the
 * status reports. Built by {@link WorkloadBuilder}; used unchanged by the reconciler and render.
 *
 * @param configMap null when the app needs no generated config
 * @param ingress null when no ingress is asked for
 * @param gpuClaimTemplate null unless the GPU mode is dra
 */
public record Workload(
    Deployment deployment,
    Service service,
    ConfigMap configMap,
    Ingress ingress,
    ResourceClaimTemplate gpuClaimTemplate,
    List<ModelPath> modelPaths,
    String url) {

  /** The objects in the order they are best created (config and claims before the pods that use them). */
  public List<HasMetadata> objects() {
    List<HasMetadata> objects = new ArrayList<>();
    if (configMap != null) {
      objects.add(configMap);
    }
    if (gpuClaimTemplate != null) {
      objects.add(gpuClaimTemplate);
    }
    objects.add(deployment);
    objects.add(service);
    if (ingress != null) {
      objects.add(ingress);
    }
    return objects;
  }
}
