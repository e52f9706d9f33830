package de.dhoch3.aiservices.gpu;

import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.validation.SpecProblem;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplateBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns spec.gpu plus the operator's GPU defaults into a {@link GpuPlan}. Pure. */
public final class GpuScheduling {
  public static final String PRODUCT_LABEL = "nvidia.com/gpu.product";
  public static final String MEMORY_LABEL = "nvidia.com/gpu.memory";
  public static final String DRA_CLAIM = "gpu";
  /** Keep in step with Names.gpuClaimTemplate. */
  public static final String GPU_CLAIM_SUFFIX = "-gpu";

  private GpuScheduling() {}

  public static GpuPlan plan(GpuSpec spec, OperatorConfig.Gpu defaults, ObjectMeta owner, Map<String, String> labels) {
    GpuSpec gpu = spec == null ? new GpuSpec() : spec;
    GpuSpec.Mode mode = gpu.mode != null ? gpu.mode : defaults.mode;
    int count = gpu.count != null ? gpu.count : defaults.count;
    if (count == 0 && (mode == GpuSpec.Mode.EXCLUSIVE || mode == GpuSpec.Mode.DRA)) {
      mode = GpuSpec.Mode.NONE;
    }
    check(gpu, mode, count);
    if (mode == GpuSpec.Mode.NONE) {
      return GpuPlan.none();
    }

    String runtimeClass = gpu.runtimeClassName != null ? gpu.runtimeClassName : defaults.runtimeClassName;
    Map<String, String> nodeSelector = gpu.product != null ? Map.of(PRODUCT_LABEL, gpu.product) : Map.of();
    List<NodeSelectorRequirement> expressions = new ArrayList<>();
    if (gpu.minMemoryMiB != null) {
      // node affinity has Gt but no Ge: "at least N" is "greater than N-1"
      expressions.add(new NodeSelectorRequirementBuilder()
          .withKey(MEMORY_LABEL).withOperator("Gt").withValues(String.valueOf(gpu.minMemoryMiB - 1)).build());
    }

    return switch (mode) {
      case EXCLUSIVE -> new GpuPlan(mode,
          Map.of(gpu.resourceName != null ? gpu.resourceName : defaults.resourceName, new Quantity(String.valueOf(count))),
          runtimeClass, defaults.tolerations, nodeSelector, expressions, List.of(), null, null);
      case SHARED -> new GpuPlan(mode,
          Map.of(gpu.resourceName != null ? gpu.resourceName : defaults.sharedResourceName, new Quantity("1")),
          runtimeClass, defaults.tolerations, nodeSelector, expressions, List.of(), null, null);
      case UNMANAGED -> new GpuPlan(mode, Map.of(), runtimeClass, defaults.tolerations, nodeSelector, expressions,
          List.of(
              new EnvVar("NVIDIA_VISIBLE_DEVICES",
                  gpu.visibleDevices == null || gpu.visibleDevices.isEmpty() ? "all" : String.join(",", gpu.visibleDevices), null),
              new EnvVar("NVIDIA_DRIVER_CAPABILITIES", "compute,utility", null)),
          null, null);
      case DRA -> new GpuPlan(mode, Map.of(), gpu.runtimeClassName, defaults.tolerations, nodeSelector, expressions,
          List.of(), claimTemplate(owner, labels, gpu.deviceClassName != null ? gpu.deviceClassName : defaults.deviceClassName, count),
          DRA_CLAIM);
      case NONE -> GpuPlan.none();
    };
  }

  private static ResourceClaimTemplate claimTemplate(ObjectMeta owner, Map<String, String> labels, String deviceClass, int count) {
    return new ResourceClaimTemplateBuilder()
        .withNewMetadata().withName(owner.getName() + GPU_CLAIM_SUFFIX).withNamespace(owner.getNamespace()).withLabels(labels).endMetadata()
        .withNewSpec().withNewSpec().withNewDevices()
        .addNewRequest().withName(DRA_CLAIM)
        .withNewExactly().withDeviceClassName(deviceClass).withAllocationMode("ExactCount").withCount((long) count).endExactly()
        .endRequest()
        .endDevices().endSpec().endSpec()
        .build();
  }

  private static void check(GpuSpec gpu, GpuSpec.Mode mode, int count) {
    List<SpecProblem> problems = new ArrayList<>();
    if (mode == GpuSpec.Mode.NONE && (gpu.product != null || gpu.minMemoryMiB != null)) {
      problems.add(new SpecProblem("spec.gpu.product",
          "product/minMemoryMiB select a GPU, but this app gets none (mode none or count 0); remove them or ask for a GPU"));
    }
    if (mode == GpuSpec.Mode.SHARED && gpu.count != null && count != 1) {
      problems.add(new SpecProblem("spec.gpu.count",
          "mode shared gives one unit of the time-sliced resource; remove count or set it to 1 (use exclusive for several GPUs)"));
    }
    if (gpu.visibleDevices != null && !gpu.visibleDevices.isEmpty() && mode != GpuSpec.Mode.UNMANAGED) {
      problems.add(new SpecProblem("spec.gpu.visibleDevices",
          "only used in mode unmanaged; remove it or set spec.gpu.mode: unmanaged"));
    }
    if (gpu.deviceClassName != null && mode != GpuSpec.Mode.DRA) {
      problems.add(new SpecProblem("spec.gpu.deviceClassName", "only used in mode dra; remove it or set spec.gpu.mode: dra"));
    }
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(problems);
    }
  }
}
