package de.dhoch3.aiservices.models;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceStatus;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ModelPath;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.apps.AppTranslationTest;
import de.dhoch3.aiservices.config.OperatorConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which apps a new store file restarts (README, "Apps see new files"), decided per app and per what its pod found at start. */
class StoreChangeRestartsTest {
  /** The default store, as an AIModel's plan names it. */
  private static final String STORE = "hostPath /vol/service/cw/storage-models/models";

  private static AIService app(App app, Boolean vaeFound) {
    AIService ai = AppTranslationTest.aiservice(app);
    ai.setStatus(new AIServiceStatus());
    ModelPath vae = new ModelPath("vae", "vae", "/x", "link");
    vae.found = vaeFound;
    ai.getStatus().modelPaths = List.of(vae);
    return ai;
  }

  @Test
  void appsThatLinkFilesAtStartRestartForTheirCategories() {
    assertThat(StoreChangeRestarts.needsRestart(app(App.FLUXGYM, true), "vae", STORE, OperatorConfig.defaults())).isTrue();
    assertThat(StoreChangeRestarts.needsRestart(app(App.AI_TOOLKIT, true), "vae", STORE, OperatorConfig.defaults())).isTrue();
    assertThat(StoreChangeRestarts.needsRestart(app(App.FLUXGYM, true), "loras", STORE, OperatorConfig.defaults())).as("not offered").isFalse();
  }

  @Test
  void otherAppsRestartOnlyWhenTheCategoryWasMissingAtStart() {
    assertThat(StoreChangeRestarts.needsRestart(app(App.COMFYUI, false), "vae", STORE, OperatorConfig.defaults())).isTrue();
    assertThat(StoreChangeRestarts.needsRestart(app(App.COMFYUI, true), "vae", STORE, OperatorConfig.defaults())).isFalse();
    assertThat(StoreChangeRestarts.needsRestart(app(App.COMFYUI, null), "vae", STORE, OperatorConfig.defaults())).as("not reported yet").isFalse();
    assertThat(StoreChangeRestarts.needsRestart(app(App.INVOKEAI, false), "vae", STORE, OperatorConfig.defaults())).as("scans every minute").isFalse();
  }

  @Test
  void onlyAppsOnTheSameStoreAndRunningAreRestarted() {
    assertThat(StoreChangeRestarts.needsRestart(app(App.FLUXGYM, true), "vae", "hostPath /elsewhere", OperatorConfig.defaults())).isFalse();
    AIService suspended = app(App.FLUXGYM, true);
    suspended.getSpec().suspend = true;
    assertThat(StoreChangeRestarts.needsRestart(suspended, "vae", STORE, OperatorConfig.defaults())).isFalse();
    AIService onClaim = app(App.FLUXGYM, true);
    onClaim.getSpec().storage = new de.dhoch3.aiservices.api.StorageSpec();
    onClaim.getSpec().storage.models = VolumeRef.claim("studio-models");
    assertThat(StoreChangeRestarts.needsRestart(onClaim, "vae", "claim studio/studio-models:", OperatorConfig.defaults())).isTrue();
    assertThat(StoreChangeRestarts.needsRestart(onClaim, "vae", "claim other/studio-models:", OperatorConfig.defaults())).as("another namespace's claim").isFalse();
  }

  @Test
  void aStoreFolderOfAClaimIsAStoreOfItsOwn() {
    AIService onFolder = app(App.FLUXGYM, true);
    onFolder.getSpec().storage = new de.dhoch3.aiservices.api.StorageSpec();
    onFolder.getSpec().storage.models = VolumeRef.claim("nas");
    onFolder.getSpec().storage.models.subPath = "models";
    assertThat(StoreChangeRestarts.needsRestart(onFolder, "vae", "claim studio/nas:models", OperatorConfig.defaults())).isTrue();
    assertThat(StoreChangeRestarts.needsRestart(onFolder, "vae", "claim studio/nas:", OperatorConfig.defaults())).as("the claim's root").isFalse();
  }

  /** FluxGym and AI Toolkit are offered a category's sub-folders too (FLUX1 below diffusion_models), not a category that merely shares a prefix. */
  @Test
  void appsThatLinkAtStartAreOfferedSubFoldersOfTheirCategories() {
    AIService gym = AppTranslationTest.aiservice(App.FLUXGYM);
    gym.setStatus(new AIServiceStatus());
    gym.getStatus().modelPaths = List.of(new ModelPath("unet", "diffusion_models/FLUX1", "/app/models/unet", "link"),
        new ModelPath("clip", null, "/app/models/clip", "link"));
    assertThat(StoreChangeRestarts.needsRestart(gym, "diffusion_models", STORE, OperatorConfig.defaults())).isTrue();
    assertThat(StoreChangeRestarts.needsRestart(gym, "diffusion", STORE, OperatorConfig.defaults())).isFalse();
    assertThat(StoreChangeRestarts.needsRestart(gym, "clip", STORE, OperatorConfig.defaults())).as("offered by category").isTrue();
    assertThat(StoreChangeRestarts.needsRestart(gym, "vae", STORE, OperatorConfig.defaults())).isFalse();
  }
}
