package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.AIService;

/** Names of the objects an AIService owns: derivable from the AIService alone, without building anything. */
public final class Names {
  private Names() {}

  /** Deployment, Service and Ingress share the AIService's name. */
  public static String workload(AIService ai) {
    return ai.getMetadata().getName();
  }

  public static String configMap(AIService ai) {
    return ai.getMetadata().getName() + "-config";
  }

  public static String gpuClaimTemplate(AIService ai) {
    return ai.getMetadata().getName() + de.dhoch3.aiservices.gpu.GpuScheduling.GPU_CLAIM_SUFFIX;
  }
}
