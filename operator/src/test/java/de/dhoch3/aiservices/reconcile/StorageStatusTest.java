package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.StorageSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.storage.StorageBoard;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** New storage figures reach each AIService's status without any other change: its data and output folders, by its serviceDir. */
class StorageStatusTest {
  private final OperatorHarness harness = new OperatorHarness(OperatorConfig.defaults());

  @Test
  void theFiguresOfItsOwnFoldersAppearInTheStatus() {
    harness.create(aiservice("measured", App.COMFYUI));
    AIService own = aiservice("own-share", App.FOOOCUS);
    own.getSpec().storage.user = VolumeRef.hostPath("/vol/service/cw/storage-user");
    harness.create(own);
    harness.awaitStatus("measured", ai -> ai.getStatus().observedGeneration != null);
    harness.awaitStatus("own-share", ai -> ai.getStatus().observedGeneration != null);
    assertThat(harness.get("measured").getStatus().storage).isNull();

    StorageBoard.INSTANCE.publish(Map.of("data/measured", 500L, "output/measured", 4096L, "output/own-share", 7L, "store/loras", 1000L));
    AIService measured = harness.awaitStatus("measured", ai -> ai.getStatus().storage != null);
    assertThat(measured.getStatus().storage.dataBytes).isEqualTo(500L);
    assertThat(measured.getStatus().storage.outputBytes).isEqualTo(4096L);
    // its own user share (spec.storage.user): the inbox measured the configured one, not its
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
        .until(() -> harness.get("own-share").getStatus().storage == null);
  }

  @AfterEach
  void close() {
    harness.close();
    StorageBoard.INSTANCE.reset();
  }
}
