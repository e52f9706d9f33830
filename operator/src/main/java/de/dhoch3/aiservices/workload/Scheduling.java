package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.gpu.GpuPlan;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Merges the GPU plan's node selection with the user's nodeSelector, tolerations and affinity, dropping none of theirs. */
final class Scheduling {
  private Scheduling() {}

  static void apply(PodSpecBuilder pod, AIServiceSpec spec, GpuPlan gpu) {
    Map<String, String> nodeSelector = new TreeMap<>(spec.nodeSelector != null ? spec.nodeSelector : Map.of());
    gpu.nodeSelector().forEach((key, value) -> {
      String userValue = nodeSelector.get(key);
      if (userValue != null && !userValue.equals(value)) {
        throw new InvalidSpecException("spec.nodeSelector." + key,
            "'" + userValue + "' contradicts spec.gpu.product '" + value + "'; set the GPU product in one place only");
      }
      nodeSelector.put(key, value);
    });
    pod.withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector);

    List<Toleration> tolerations = new ArrayList<>(gpu.tolerations());
    if (spec.tolerations != null) {
      spec.tolerations.stream().filter(t -> !tolerations.contains(t)).forEach(tolerations::add);
    }
    pod.withTolerations(tolerations.isEmpty() ? null : tolerations);
    pod.withAffinity(affinity(spec.affinity, gpu.requiredNodeExpressions()));
  }

  /** Required node terms are ORed: the GPU expressions go into every term so each still demands the GPU. */
  static Affinity affinity(Affinity user, List<NodeSelectorRequirement> gpuExpressions) {
    if (gpuExpressions.isEmpty()) {
      return user;
    }
    AffinityBuilder builder = user != null ? new AffinityBuilder(user) : new AffinityBuilder();
    List<NodeSelectorTerm> terms = new ArrayList<>();
    if (user != null && user.getNodeAffinity() != null
        && user.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null
        && user.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms() != null) {
      terms.addAll(user.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms());
    }
    if (terms.isEmpty()) {
      terms.add(new NodeSelectorTerm());
    }
    List<NodeSelectorTerm> merged = new ArrayList<>();
    for (NodeSelectorTerm term : terms) {
      NodeSelectorTermBuilder termBuilder = new NodeSelectorTermBuilder(term);
      gpuExpressions.forEach(termBuilder::addToMatchExpressions);
      merged.add(termBuilder.build());
    }
    return builder.editOrNewNodeAffinity()
        .editOrNewRequiredDuringSchedulingIgnoredDuringExecution()
          .withNodeSelectorTerms(merged)
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity()
        .build();
  }
}
