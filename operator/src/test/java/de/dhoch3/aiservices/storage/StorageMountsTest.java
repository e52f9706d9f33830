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
    // ComfyUI: the shared input read-only inside its one input folder
    assertThat(mounts.get("/user/uploads/shared").getSubPath()).isEqualTo("input");
    assertThat(mounts.get("/user/uploads/shared").getReadOnly()).isTrue();
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
    assertThat(mounts.get("/user/uploads/shared").getSubPath()).isEqualTo("users/input");
  }

  @Test
  void hostPathsMustStayInsideTheAllowList() {
    OperatorConfig config = OperatorConfig.defaults();
    StorageSpec ok = new StorageSpec();
    ok.models = VolumeRef.hostPath("/vol/service/cw/storage-models/sdxl-only/");
    assertThat(volumes(pod(comfy(ok), config)).get("models").getHostPath().getPath()).isEqualTo("/vol/service/cw/storage-models/sdxl-only");

    for (String bad : new String[] {"/vol/service", "/vol/service/cwx", "/vol/service/cw/../cw2", "/", "/vol/service/cw/other-models",
        "/vol/service/cw/storage", "/vol/service/cw/storage-user"}) {
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

  /** The escapes of the old single allow-list, each refused with the field named. */
  @Test
  void noSpecReachesTheStoreWritableOrAnotherAppsData() {
    OperatorConfig config = OperatorConfig.defaults();
    // the model store as the app's writable data folder
    StorageSpec storeAsData = new StorageSpec();
    storeAsData.data = VolumeRef.hostPath("/vol/service/cw/storage-models");
    storeAsData.serviceDir = "models";
    assertThatThrownBy(() -> pod(comfy(storeAsData), config)).hasMessageContaining("spec.storage.data.hostPath")
        .hasMessageContaining("is not one of the data roots [/vol/service/cw/storage]");
    // every app's data folder, writable
    StorageSpec everything = new StorageSpec();
    everything.data = VolumeRef.hostPath("/vol/service/cw");
    everything.serviceDir = "storage";
    assertThatThrownBy(() -> pod(comfy(everything), config)).hasMessageContaining("spec.storage.data.hostPath");
    // another app's database folder: only the root may be named, the folder below it is serviceDir
    StorageSpec otherApp = new StorageSpec();
    otherApp.data = VolumeRef.hostPath("/vol/service/cw/storage/InvokeAI");
    otherApp.serviceDir = "databases";
    assertThatThrownBy(() -> pod(comfy(otherApp), config)).hasMessageContaining("spec.storage.data.hostPath");
    StorageSpec viaSubPath = new StorageSpec();
    VolumeRef sub = VolumeRef.hostPath("/vol/service/cw/storage");
    sub.subPath = "InvokeAI";
    viaSubPath.data = sub;
    assertThatThrownBy(() -> pod(comfy(viaSubPath), config)).hasMessageContaining("spec.storage.data.hostPath");
    // every app's data readable as a "model store"
    StorageSpec dataAsStore = new StorageSpec();
    dataAsStore.models = VolumeRef.hostPath("/vol/service/cw/storage");
    assertThatThrownBy(() -> pod(comfy(dataAsStore), config)).hasMessageContaining("spec.storage.models.hostPath");
    // the same claim as store and as writable data, overlapping
    StorageSpec sameClaim = new StorageSpec();
    sameClaim.models = VolumeRef.claim("nas");
    sameClaim.models.subPath = "models";
    sameClaim.data = VolumeRef.claim("nas");
    sameClaim.user = VolumeRef.claim("share");
    assertThatThrownBy(() -> pod(comfy(sameClaim), config)).hasMessageContaining("spec.storage.data")
        .hasMessageContaining("overlaps the models storage on the same claim");
    // beside each other on one claim is fine
    sameClaim.data.subPath = "storage";
    assertThat(volumes(pod(comfy(sameClaim), config)).get("data").getPersistentVolumeClaim().getClaimName()).isEqualTo("nas");
  }

  @Test
  void containerPathsAreNormalisedAndNeverSystemFolders() {
    for (String bad : new String[] {"/", "/etc", "/etc/", "/proc/sys", "/var/run/secrets/kubernetes.io/serviceaccount", "/usr/lib", "//dev", "/data/../etc"}) {
      AIService ai = comfy(null);
      ai.getSpec().container = new de.dhoch3.aiservices.api.ContainerSpec();
      ai.getSpec().container.dataPath = bad;
      assertThatThrownBy(() -> pod(ai, OperatorConfig.defaults())).as(bad).hasMessageContaining("spec.container.dataPath");
    }
    AIService trailing = comfy(null);
    trailing.getSpec().container = new de.dhoch3.aiservices.api.ContainerSpec();
    trailing.getSpec().container.dataPath = "/srv//comfy/";
    assertThat(mountsByPath(pod(trailing, OperatorConfig.defaults()))).containsKey("/srv/comfy");
    // a file target inside the read-only store mount would need a mount point created in the store
    AIService inStore = comfy(null);
    inStore.getSpec().models = new de.dhoch3.aiservices.api.ModelsSpec();
    de.dhoch3.aiservices.api.ModelsSpec.FileMount file = new de.dhoch3.aiservices.api.ModelsSpec.FileMount();
    file.source = "vae/ae.safetensors";
    file.target = "/models/vae2/ae.sft";
    inStore.getSpec().models.files = java.util.List.of(file);
    assertThatThrownBy(() -> pod(inStore, OperatorConfig.defaults())).hasMessageContaining("spec.models").hasMessageContaining("read-only store");
    file.target = "/etc/passwd";
    assertThatThrownBy(() -> pod(inStore, OperatorConfig.defaults())).hasMessageContaining("spec.models.files[0].target");
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
