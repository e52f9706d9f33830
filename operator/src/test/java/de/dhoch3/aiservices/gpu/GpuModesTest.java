package de.dhoch3.aiservices.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.workload.Workload;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each GPU mode's pod spec, built by the same pure builder the reconciler and render use. */
class GpuModesTest {
  private final OperatorConfig config = OperatorConfig.defaults();

  private static AIService comfy(GpuSpec gpu) {
    AIService ai = new AIService();
    ai.setMetadata(new ObjectMetaBuilder().withName("comfyui").withNamespace("studio").build());
    ai.setSpec(new AIServiceSpec());
    ai.getSpec().app = App.COMFYUI;
    ai.getSpec().gpu = gpu;
    return ai;
  }

  private static GpuSpec gpu(GpuSpec.Mode mode) {
    GpuSpec gpu = new GpuSpec();
    gpu.mode = mode;
    return gpu;
  }

  private Workload build(AIService ai) {
    return WorkloadBuilder.build(ai, config);
  }

  private static PodSpec pod(Workload workload) {
    return workload.deployment().getSpec().getTemplate().getSpec();
  }

  private static Container app(Workload workload) {
    return pod(workload).getContainers().get(0);
  }

  @Test
  void exclusiveIsTheDefaultAndRequestsWholeGpus() {
    Workload defaults = build(comfy(null));
    assertThat(app(defaults).getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
    assertThat(pod(defaults).getRuntimeClassName()).isEqualTo("nvidia");
    assertThat(pod(defaults).getTolerations()).singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));

    GpuSpec two = gpu(GpuSpec.Mode.EXCLUSIVE);
    two.count = 2;
    assertThat(app(build(comfy(two))).getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("2"));
  }

  @Test
  void sharedRequestsOneUnitOfTheTimeSlicedResource() {
    Workload shared = build(comfy(gpu(GpuSpec.Mode.SHARED)));
    assertThat(app(shared).getResources().getLimits())
        .containsEntry("nvidia.com/gpu.shared", new Quantity("1"))
        .doesNotContainKey("nvidia.com/gpu");
    assertThat(pod(shared).getRuntimeClassName()).isEqualTo("nvidia");

    GpuSpec three = gpu(GpuSpec.Mode.SHARED);
    three.count = 3;
    assertThatThrownBy(() -> build(comfy(three))).isInstanceOf(InvalidSpecException.class).hasMessageContaining("spec.gpu.count");
  }

  @Test
  void unmanagedIsRefusedUnlessTheAdminAllowsIt() {
    assertThatThrownBy(() -> build(comfy(gpu(GpuSpec.Mode.UNMANAGED))))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("spec.gpu.mode").hasMessageContaining("policy.allowUnmanagedGpu");
    var ai = comfy(gpu(GpuSpec.Mode.EXCLUSIVE));
    ai.getSpec().env = List.of(new EnvVar("NVIDIA_VISIBLE_DEVICES", "all", null));
    assertThatThrownBy(() -> build(ai)).isInstanceOf(InvalidSpecException.class).hasMessageContaining("spec.env[0].name");
  }

  @Test
  void unmanagedRequestsNothingAndMakesGpusVisibleLikeDockerCompose() {
    OperatorConfig allowing = OperatorConfig.defaults();
    allowing.policy.allowUnmanagedGpu = true;
    java.util.function.Function<de.dhoch3.aiservices.api.AIService, Workload> build = ai -> WorkloadBuilder.build(ai, allowing);
    Workload all = build.apply(comfy(gpu(GpuSpec.Mode.UNMANAGED)));
    assertThat(app(all).getResources().getLimits()).isNull();
    assertThat(pod(all).getRuntimeClassName()).isEqualTo("nvidia");
    assertThat(app(all).getEnv()).contains(new EnvVar("NVIDIA_VISIBLE_DEVICES", "all", null));

    GpuSpec some = gpu(GpuSpec.Mode.UNMANAGED);
    some.visibleDevices = List.of("0", "GPU-5f2c");
    assertThat(app(build.apply(comfy(some))).getEnv()).contains(new EnvVar("NVIDIA_VISIBLE_DEVICES", "0,GPU-5f2c", null));
  }

  @Test
  void draClaimsDevicesThroughAnOwnedResourceClaimTemplate() {
    GpuSpec dra = gpu(GpuSpec.Mode.DRA);
    dra.count = 2;
    Workload workload = build(comfy(dra));

    var template = workload.gpuClaimTemplate();
    assertThat(template.getMetadata().getName()).isEqualTo("comfyui-gpu");
    var request = template.getSpec().getSpec().getDevices().getRequests().get(0);
    assertThat(request.getExactly().getDeviceClassName()).isEqualTo("gpu.nvidia.com");
    assertThat(request.getExactly().getCount()).isEqualTo(2L);
    assertThat(pod(workload).getResourceClaims()).singleElement().satisfies(claim -> {
      assertThat(claim.getName()).isEqualTo(request.getName());
      assertThat(claim.getResourceClaimTemplateName()).isEqualTo("comfyui-gpu");
    });
    assertThat(app(workload).getResources().getClaims()).singleElement()
        .satisfies(claim -> assertThat(claim.getName()).isEqualTo(request.getName()));
    assertThat(app(workload).getResources().getLimits()).isNull();
    assertThat(workload.objects()).contains(template);
  }

  @Test
  void noneAndCountZeroMeanNoGpuAtAll() {
    GpuSpec zero = new GpuSpec();
    zero.count = 0;
    for (Workload workload : List.of(build(comfy(gpu(GpuSpec.Mode.NONE))), build(comfy(zero)))) {
      assertThat(app(workload).getResources().getLimits()).isNull();
      assertThat(pod(workload).getRuntimeClassName()).isNull();
      assertThat(pod(workload).getTolerations()).isNull();
      assertThat(workload.gpuClaimTemplate()).isNull();
    }
  }

  @Test
  void clusterDefaultsComeFromTheOperatorConfiguration() {
    OperatorConfig studio = OperatorConfig.defaults();
    studio.gpu.mode = GpuSpec.Mode.SHARED;
    studio.gpu.sharedResourceName = "nvidia.com/gpu.slice";
    studio.gpu.runtimeClassName = "nvidia-cdi";
    Workload workload = WorkloadBuilder.build(comfy(null), studio);
    assertThat(app(workload).getResources().getLimits()).containsOnlyKeys("nvidia.com/gpu.slice");
    assertThat(pod(workload).getRuntimeClassName()).isEqualTo("nvidia-cdi");
  }

  @Test
  void gpuSelectionMergesWithTheUsersSchedulingWithoutDroppingIt() {
    GpuSpec select = new GpuSpec();
    select.product = "NVIDIA-RTX-A6000";
    select.minMemoryMiB = 40000;
    AIService ai = comfy(select);
    ai.getSpec().nodeSelector = Map.of("studio/room", "render");
    ai.getSpec().tolerations = List.of(new TolerationBuilder().withKey("studio/dedicated").withOperator("Exists").build());
    ai.getSpec().affinity = new AffinityBuilder().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm().addNewMatchExpression().withKey("zone").withOperator("In").withValues("a").endMatchExpression().endNodeSelectorTerm()
        .addNewNodeSelectorTerm().addNewMatchExpression().withKey("zone").withOperator("In").withValues("b").endMatchExpression().endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity()
        .withNewPodAntiAffinity().endPodAntiAffinity()
        .build();

    PodSpec pod = pod(build(ai));
    assertThat(pod.getNodeSelector())
        .containsEntry("studio/room", "render")
        .containsEntry("nvidia.com/gpu.product", "NVIDIA-RTX-A6000");
    assertThat(pod.getTolerations()).extracting(t -> t.getKey()).containsExactly("nvidia.com/gpu", "studio/dedicated");
    assertThat(pod.getAffinity().getPodAntiAffinity()).isNotNull();
    List<NodeSelectorTerm> terms = pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
    assertThat(terms).hasSize(2);
    // terms are ORed: each keeps the user's zone and also demands the GPU memory
    for (NodeSelectorTerm term : terms) {
      assertThat(term.getMatchExpressions()).extracting(NodeSelectorRequirement::getKey).containsExactly("zone", "nvidia.com/gpu.memory");
      assertThat(term.getMatchExpressions().get(1).getOperator()).isEqualTo("Gt");
      assertThat(term.getMatchExpressions().get(1).getValues()).containsExactly("39999");
    }

    AIService contradicting = comfy(select);
    contradicting.getSpec().nodeSelector = Map.of("nvidia.com/gpu.product", "NVIDIA-GeForce-RTX-4090");
    assertThatThrownBy(() -> build(contradicting)).hasMessageContaining("spec.nodeSelector.nvidia.com/gpu.product");
  }

  @Test
  void everyAppRunsOneReplicaAndNeverTwoAtOnce() {
    var spec = build(comfy(null)).deployment().getSpec();
    assertThat(spec.getReplicas()).isEqualTo(1);
    assertThat(spec.getStrategy().getType()).isEqualTo("Recreate");
    assertThat(spec.getStrategy().getRollingUpdate()).isNull();
  }

  @Test
  void selectingAGpuForAnAppWithoutOneIsRefused() {
    GpuSpec none = gpu(GpuSpec.Mode.NONE);
    none.product = "NVIDIA-RTX-A6000";
    assertThatThrownBy(() -> build(comfy(none))).hasMessageContaining("spec.gpu.product");
    GpuSpec devices = gpu(GpuSpec.Mode.EXCLUSIVE);
    devices.visibleDevices = List.of("0");
    assertThatThrownBy(() -> build(comfy(devices))).hasMessageContaining("spec.gpu.visibleDevices");
  }
}
