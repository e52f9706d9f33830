package de.dhoch3.aiservices.workload;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.apps.AppTranslationTest;
import de.dhoch3.aiservices.config.OperatorConfig;
import org.junit.jupiter.api.Test;

/** Data folders that must not be shared: equal, or one inside the other, on the same volume. */
class DataFolderTest {
  private static String key(App app, String claim, String subPath, String serviceDir) {
    AIService ai = AppTranslationTest.aiservice(app);
    ai.getSpec().storage = new StorageSpec();
    ai.getSpec().storage.models = VolumeRef.claim("models");
    ai.getSpec().storage.user = VolumeRef.claim("share");
    VolumeRef data = VolumeRef.claim(claim);
    data.subPath = subPath;
    ai.getSpec().storage.data = data;
    ai.getSpec().storage.serviceDir = serviceDir;
    return DataFolder.key(ai, OperatorConfig.defaults()).orElseThrow();
  }

  @Test
  void anotherAppsDatabaseFolderAsDataIsAConflictLikeTheSameFolder() {
    String invoke = key(App.INVOKEAI, "studio-data", null, "InvokeAI");
    // data: {claimName: studio-data, subPath: InvokeAI}, serviceDir: databases -> InvokeAI/databases
    String sneaky = key(App.COMFYUI, "studio-data", "InvokeAI", "databases");
    assertThat(DataFolder.overlap(invoke, sneaky)).isTrue();
    assertThat(DataFolder.overlap(sneaky, invoke)).isTrue();
    assertThat(DataFolder.overlap(invoke, key(App.COMFYUI, "studio-data", null, "InvokeAI"))).isTrue();
    // beside each other, or on another claim: fine
    assertThat(DataFolder.overlap(invoke, key(App.COMFYUI, "studio-data", null, "InvokeAI-2"))).isFalse();
    assertThat(DataFolder.overlap(invoke, key(App.COMFYUI, "other-data", null, "InvokeAI"))).isFalse();
  }

  @Test
  void hostPathFoldersCompareByPath() {
    assertThat(DataFolder.overlap("hostPath /vol/service/cw/storage/ComfyUI", "hostPath /vol/service/cw/storage/ComfyUI")).isTrue();
    assertThat(DataFolder.overlap("hostPath /vol/service/cw/storage/ComfyUI", "hostPath /vol/service/cw/storage/ComfyUI-2")).isFalse();
  }
}
