package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.gpu.GpuPlan;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.Map;
import java.util.TreeMap;

/** The container's resources: the user's CPU/memory plus the GPU plan's extended resources and claims. */
final class Resources {
  private Resources() {}

  static ResourceRequirements merge(ResourceRequirements user, GpuPlan gpu) {
    Map<String, Quantity> limits = new TreeMap<>(user != null && user.getLimits() != null ? user.getLimits() : Map.of());
    Map<String, Quantity> requests = new TreeMap<>(user != null && user.getRequests() != null ? user.getRequests() : Map.of());
    for (String key : limits.keySet()) {
      if (key.startsWith("nvidia.com/") || key.contains("gpu")) {
        throw new InvalidSpecException("spec.resources.limits." + key, "GPUs are set through spec.gpu (mode, count, resourceName); remove it from spec.resources");
      }
    }
    for (String key : requests.keySet()) {
      if (key.startsWith("nvidia.com/") || key.contains("gpu")) {
        throw new InvalidSpecException("spec.resources.requests." + key, "GPUs are set through spec.gpu (mode, count, resourceName); remove it from spec.resources");
      }
    }
    // extended resources are limits only; the scheduler takes the request from the limit
    limits.putAll(gpu.limits());
    ResourceRequirementsBuilder builder = new ResourceRequirementsBuilder()
        .withLimits(limits.isEmpty() ? null : limits)
        .withRequests(requests.isEmpty() ? null : requests);
    if (gpu.claimName() != null) {
      builder.addNewClaim().withName(gpu.claimName()).endClaim();
    }
    return builder.build();
  }
}
