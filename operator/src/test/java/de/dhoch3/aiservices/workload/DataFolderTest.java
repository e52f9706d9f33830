package de.dhoch3.aiservices.workload;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.apps.AppTranslationTest;
import de.dhoch3.aiservices.config.OperatorConfig;
import org.junit.jupiter.api.Test;

/**
 * The folders only one AIService may write (the reconciler's conflict index is built from these
 * keys and their ancestors). Expected keys are written out from the storage layout the README
 * documents: data {@code <data root>/<ServiceDir>}, outputs {@code <user root>/output/<ServiceDir>},
 * ComfyUI's uploads {@code uploads/<ServiceDir>}, FluxGym's and AI Toolkit's {@code datasets/<ServiceDir>}.
 */
class DataFolderTest {

  @Test
  void everyWritableFolderOfAnAppIsAKeyInLowerCase() {
    AIService comfy = AppTranslationTest.aiservice(App.COMFYUI);
    comfy.getMetadata().setNamespace("team-a");
    assertThat(DataFolder.keys(comfy, OperatorConfig.defaults())).containsExactly(
        "hostpath /vol/service/cw/storage/comfyui",
        "hostpath /vol/service/cw/storage-user/output/comfyui",
        "hostpath /vol/service/cw/storage-user/uploads/comfyui");
    AIService gym = AppTranslationTest.aiservice(App.FLUXGYM);
    gym.getSpec().image = "registry.example.com/fluxgym:1";
    assertThat(DataFolder.keys(gym, OperatorConfig.defaults())).containsExactly(
        "hostpath /vol/service/cw/storage/fluxgym",
        "hostpath /vol/service/cw/storage-user/output/fluxgym",
        "hostpath /vol/service/cw/storage-user/datasets/fluxgym");
  }

  @Test
  void claimKeysNameTheNamespaceBecauseClaimsAreNamespaced() {
    AIService ai = AppTranslationTest.aiservice(App.INVOKEAI);
    ai.getMetadata().setNamespace("team-b");
    ai.getSpec().storage = new StorageSpec();
    ai.getSpec().storage.models = VolumeRef.claim("models");
    ai.getSpec().storage.user = VolumeRef.claim("share");
    VolumeRef data = VolumeRef.claim("studio-data");
    data.subPath = "Apps";
    ai.getSpec().storage.data = data;
    assertThat(DataFolder.keys(ai, OperatorConfig.defaults())).containsExactly(
        "claim team-b/studio-data:/apps/invokeai",
        "claim team-b/share:/output/invokeai");
  }

  @Test
  void ancestorsStopAtTheVolume() {
    assertThat(DataFolder.ancestors("hostpath /vol/service/cw/storage-user/output/comfyui")).containsExactly(
        "hostpath /vol/service/cw/storage-user/output", "hostpath /vol/service/cw/storage-user", "hostpath /vol/service/cw",
        "hostpath /vol/service", "hostpath /vol");
    assertThat(DataFolder.ancestors("claim team-b/share:/output/invokeai")).containsExactly("claim team-b/share:/output");
  }
}
