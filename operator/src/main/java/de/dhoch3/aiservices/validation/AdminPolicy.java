package de.dhoch3.aiservices.validation;

import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.ExposeSpec;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the admin allows AIService authors to ask for (operator configuration {@code policy}),
 * each rule next to its message. Pure.
 */
public final class AdminPolicy {
  private AdminPolicy() {}

  static final String TRAEFIK_MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares";

  public static List<SpecProblem> problems(AIServiceSpec spec, String name, String namespace, OperatorConfig config) {
    OperatorConfig.Policy policy = config.policy;
    List<SpecProblem> problems = new ArrayList<>();
    if (!policy.allowUnmanagedGpu) {
      if (spec.gpu != null && spec.gpu.mode == GpuSpec.Mode.UNMANAGED) {
        problems.add(new SpecProblem("spec.gpu.mode", "unmanaged hides the app's GPU use from the scheduler and gives it every GPU;"
            + " the admin does not allow it (policy.allowUnmanagedGpu: false): use shared (time-slicing) or exclusive"));
      }
      if (spec.env != null) {
        for (int i = 0; i < spec.env.size(); i++) {
          if ("NVIDIA_VISIBLE_DEVICES".equals(spec.env.get(i).getName())) {
            problems.add(new SpecProblem("spec.env[" + i + "].name", "NVIDIA_VISIBLE_DEVICES picks GPUs behind the scheduler's back;"
                + " the admin does not allow it (policy.allowUnmanagedGpu: false): use spec.gpu"));
          }
        }
      }
    }
    problems.addAll(gpuProblems(spec.gpu, config));
    ExposeSpec expose = spec.expose;
    if (expose != null && expose.service != null && expose.service.type != null) {
      String type = switch (expose.service.type) {
        case CLUSTER_IP -> "ClusterIP";
        case NODE_PORT -> "NodePort";
        case LOAD_BALANCER -> "LoadBalancer";
      };
      if (!policy.serviceTypes.contains(type)) {
        problems.add(new SpecProblem("spec.expose.service.type", type + " is not allowed here (policy.serviceTypes: " + policy.serviceTypes
            + "); reach the app through spec.expose.ingress, or ask the admin"));
      }
    }
    if (expose != null && expose.ingress != null) {
      String host = expose.ingress.host;
      List<String> suffixes = !policy.ingressHostSuffixes.isEmpty() ? policy.ingressHostSuffixes
          : config.ingress.domain != null ? List.of(config.ingress.domain) : List.of();
      if (host != null && !host.isBlank() && !suffixes.isEmpty()
          && suffixes.stream().noneMatch(suffix -> host.equals(suffix) || host.endsWith("." + suffix))) {
        problems.add(new SpecProblem("spec.expose.ingress.host", "'" + host + "' is not below the studio's domains " + suffixes
            + " (policy.ingressHostSuffixes); use e.g. " + name + "." + suffixes.get(0) + ", or leave host out"));
      }
      if (host != null && host.startsWith("*.") && !policy.allowWildcardHosts) {
        problems.add(new SpecProblem("spec.expose.ingress.host", "'" + host + "' is a wildcard: it would take every name below "
            + host.substring(2) + "; the admin does not allow it (policy.allowWildcardHosts: false): name one host"));
      }
      if (expose.ingress.annotations != null) {
        String middlewares = expose.ingress.annotations.get(TRAEFIK_MIDDLEWARES);
        if (middlewares != null) {
          for (String middleware : middlewares.split(",")) {
            String ref = middleware.trim();
            // Traefik names a CRD middleware <namespace>-<name>@kubernetescrd: only this namespace's
            if (ref.endsWith("@kubernetescrd") && !ref.startsWith(namespace + "-")) {
              problems.add(new SpecProblem("spec.expose.ingress.annotations." + TRAEFIK_MIDDLEWARES, "'" + ref + "' is not a middleware of"
                  + " this namespace (" + namespace + "-<name>@kubernetescrd): another team's middleware (its auth, its redirects) is not"
                  + " this app's to use; define one in " + namespace));
            }
          }
        }
        for (String key : expose.ingress.annotations.keySet()) {
          for (String pattern : policy.refusedAnnotationPatterns) {
            if (Pattern.compile(pattern).matcher(key).matches()) {
              problems.add(new SpecProblem("spec.expose.ingress.annotations." + key, "refused by the admin's policy (" + pattern
                  + " in policy.refusedAnnotationPatterns): snippet annotations run arbitrary proxy configuration; remove it"));
              break;
            }
          }
        }
      }
    }
    return problems;
  }

  /** The GPU resource names the admin allows: policy.gpuResourceNames, or else the two configured ones. */
  public static List<String> allowedGpuResources(OperatorConfig config) {
    return !config.policy.gpuResourceNames.isEmpty() ? config.policy.gpuResourceNames
        : List.of(config.gpu.resourceName, config.gpu.sharedResourceName);
  }

  private static List<SpecProblem> gpuProblems(GpuSpec gpu, OperatorConfig config) {
    List<SpecProblem> problems = new ArrayList<>();
    if (gpu == null) {
      return problems;
    }
    // any extended or native resource (cpu, memory, another vendor's device) would pass as "the GPU"
    // while the pod keeps the NVIDIA runtime: only the admin's GPU resources are GPUs
    List<String> allowed = allowedGpuResources(config);
    if (gpu.resourceName != null && !allowed.contains(gpu.resourceName)) {
      problems.add(new SpecProblem("spec.gpu.resourceName", "'" + gpu.resourceName + "' is not one of the GPU resources the admin allows "
          + allowed + " (policy.gpuResourceNames); remove it to use the default, or pick one of those"));
    }
    GpuSpec.Mode mode = gpu.mode != null ? gpu.mode : config.gpu.mode;
    int count = gpu.count != null ? gpu.count : config.gpu.count;
    boolean noGpu = mode == GpuSpec.Mode.NONE || (count == 0 && (mode == GpuSpec.Mode.EXCLUSIVE || mode == GpuSpec.Mode.DRA));
    if (gpu.runtimeClassName != null && noGpu) {
      problems.add(new SpecProblem("spec.gpu.runtimeClassName", "a GPU runtime only goes with a GPU, and this app gets none (mode none or count 0);"
          + " remove runtimeClassName or ask for a GPU"));
    }
    return problems;
  }
}
