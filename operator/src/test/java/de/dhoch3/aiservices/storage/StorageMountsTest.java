package de.dhoch3.aiservices.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The storage rules of the design, read off the pod spec the builder makes. */
class StorageMountsTest {

  private static AIService comfy(StorageSpec storage) {
    AIService ai = new AIService();
    ai.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("comfyui").withNamespace("studio").build());
    ai.setSpec(new AIServiceSpec());
    ai.getSpec().app = App.COMFYUI;
    ai.getSpec().storage = storage;
    return ai;
  }

  private static PodSpec pod(AIService ai, OperatorConfig config) {
    return WorkloadBuilder.build(ai, config).deployment().getSpec().getTemplate().getSpec();
  }

  private static Map<String, VolumeMount> mountsByPath(PodSpec pod) {
    return pod.getContainers().get(0).getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getMountPath, Function.identity()));
  }

  private static Map<String, Volume> volumes(PodSpec pod) {
    return pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, Function.identity()));
  }

  @Test
  void studioDefaultsGiveTheDesignedLayoutOnHostPaths() {
    PodSpec pod = pod(comfy(null), OperatorConfig.defaults());
    Map<String, Volume> volumes = volumes(pod);
    assertThat(volumes.get("models").getHostPath().getPath()).isEqualTo("/vol/service/cw/storage-models/models");
    assertThat(volumes.get("models").getHostPath().getType()).isEqualTo("Directory");
    assertThat(volumes.get("data").getHostPath().getPath()).isEqualTo("/vol/service/cw/storage");
    assertThat(volumes.get("user").getHostPath().getPath()).isEqualTo("/vol/service/cw/storage-user");

    Map<String, VolumeMount> mounts = mountsByPath(pod);
    VolumeMount store = mounts.get("/models");
    assertThat(store.getReadOnly()).isTrue();
    assertThat(store.getRecursiveReadOnly()).isEqualTo("IfPossible");
    assertThat(store.getSubPath()).isNull();
    assertThat(mounts.get("/root")).satisfies(m -> {
      assertThat(m.getName()).isEqualTo("data");
      assertThat(m.getSubPath()).isEqualTo("ComfyUI");
      assertThat(m.getReadOnly()).isNull();
    });
    assertThat(mounts.get("/user/output").getSubPath()).isEqualTo("output/ComfyUI");
    assertThat(mounts.get("/user/output").getReadOnly()).isNull();
    assertThat(mounts.get("/user/input").getSubPath()).isEqualTo("input");
    assertThat(mounts.get("/user/input").getReadOnly()).isTrue();
    assertThat(mounts.get("/root/ComfyUI/user/default/workflows").getSubPath()).isEqualTo("workflows");
    assertThat(mounts.get("/root/ComfyUI/user/default/workflows").getReadOnly()).isNull();
    // every mount of the store volume is read-only
    assertThat(pod.getContainers().get(0).getVolumeMounts()).filteredOn(m -> m.getName().equals("models"))
        .allSatisfy(m -> assertThat(m.getReadOnly()).isTrue());
  }

  @Test
  void claimModeUsesSubPathsAndAReadOnlyClaimForTheStore() {
    StorageSpec storage = new StorageSpec();
    VolumeRef models = VolumeRef.claim("studio-models");
    models.subPath = "./models//";
    storage.models = models;
    storage.data = VolumeRef.claim("studio-data");
    VolumeRef user = VolumeRef.claim("studio-share");
    user.subPath = "users";
    storage.user = user;
    storage.serviceDir = "ComfyUI-2";

    PodSpec pod = pod(comfy(storage), OperatorConfig.defaults());
    Map<String, Volume> volumes = volumes(pod);
    assertThat(volumes.get("models").getPersistentVolumeClaim().getClaimName()).isEqualTo("studio-models");
    assertThat(volumes.get("models").getPersistentVolumeClaim().getReadOnly()).isTrue();
    assertThat(volumes.get("data").getPersistentVolumeClaim().getReadOnly()).isNull();

    Map<String, VolumeMount> mounts = mountsByPath(pod);
    assertThat(mounts.get("/models").getSubPath()).isEqualTo("models");
    assertThat(mounts.get("/models").getReadOnly()).isTrue();
    assertThat(mounts.get("/root").getSubPath()).isEqualTo("ComfyUI-2");
    assertThat(mounts.get("/user/output").getSubPath()).isEqualTo("users/output/ComfyUI-2");
    assertThat(mounts.get("/user/input").getSubPath()).isEqualTo("users/input");
  }

  @Test
  void hostPathsMustStayInsideTheAllowList() {
    OperatorConfig config = OperatorConfig.defaults();
    StorageSpec ok = new StorageSpec();
    ok.models = VolumeRef.hostPath("/vol/service/cw/other-models/");
    assertThat(volumes(pod(comfy(ok), config)).get("models").getHostPath().getPath()).isEqualTo("/vol/service/cw/other-models");

    for (String bad : new String[] {"/vol/service", "/vol/service/cwx", "/vol/service/cw/../cw2", "/"}) {
      StorageSpec storage = new StorageSpec();
      storage.models = VolumeRef.hostPath(bad);
      assertThatThrownBy(() -> pod(comfy(storage), config)).as(bad)
          .isInstanceOf(InvalidSpecException.class)
          .hasMessageContaining("spec.storage.models.hostPath");
    }

    StorageSpec withSub = new StorageSpec();
    VolumeRef escaping = VolumeRef.hostPath("/vol/service/cw");
    escaping.subPath = "/etc";
    withSub.data = escaping;
    assertThatThrownBy(() -> pod(comfy(withSub), config)).hasMessageContaining("spec.storage.data.subPath").hasMessageContaining("absolute");
  }

  @Test
  void allProblemsAreReportedTogether() {
    StorageSpec storage = new StorageSpec();
    storage.models = VolumeRef.hostPath("/srv/models");
    storage.user = VolumeRef.hostPath("/home/artist");
    assertThatThrownBy(() -> pod(comfy(storage), OperatorConfig.defaults()))
        .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.problems())
            .extracting(p -> p.field()).containsExactly("spec.storage.models.hostPath", "spec.storage.user.hostPath"));
  }
}
