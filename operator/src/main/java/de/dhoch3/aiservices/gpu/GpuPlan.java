package de.dhoch3.aiservices.gpu;

import de.dhoch3.aiservices.api.GpuSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import java.util.List;
import java.util.Map;

/**
 * What the GPU mode adds to the pod. Pure data; {@link GpuScheduling} makes it.
 *
 * @param claimTemplate the DRA ResourceClaimTemplate to create (dra mode), else null
 * @param claimName the pod-level claim name the container references (dra mode), else null
 * @param requiredNodeExpressions node affinity expressions every required term must also match
 */
public record GpuPlan(
    GpuSpec.Mode mode,
    Map<String, Quantity> limits,
    String runtimeClassName,
    List<Toleration> tolerations,
    Map<String, String> nodeSelector,
    List<NodeSelectorRequirement> requiredNodeExpressions,
    List<EnvVar> env,
    ResourceClaimTemplate claimTemplate,
    String claimName) {

  public static GpuPlan none() {
    return new GpuPlan(GpuSpec.Mode.NONE, Map.of(), null, List.of(), Map.of(), List.of(), List.of(), null, null);
  }

}
