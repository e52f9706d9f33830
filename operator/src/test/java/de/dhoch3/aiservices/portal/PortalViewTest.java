package de.dhoch3.aiservices.portal;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIModel;
import de.dhoch3.aiservices.api.AIModelSpec;
import de.dhoch3.aiservices.api.AIModelStatus;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the page says, from objects written by hand: every expectation literal. */
class PortalViewTest {
  @Test
  void onlyHttpAndHttpsUrlsWithAHostBecomeLinks() {
    assertThat(PortalView.link("http://comfyui.studio.svc:8188")).isEqualTo("http://comfyui.studio.svc:8188");
    assertThat(PortalView.link("HTTPS://Comfy.Example.com/")).isEqualTo("HTTPS://Comfy.Example.com/");
    assertThat(PortalView.link("javascript:alert(1)")).isNull();
    assertThat(PortalView.link("JavaScript:alert(1)")).isNull();
    assertThat(PortalView.link("data:text/html,<b>")).isNull();
    assertThat(PortalView.link("//evil.example.com/")).isNull();
    assertThat(PortalView.link("/relative")).isNull();
    assertThat(PortalView.link("https://x\"onmouseover=alert(1)")).isNull();
    assertThat(PortalView.link(null)).isNull();
  }

  @Test
  void reasonsReadAsWords() {
    assertThat(PortalView.words("DataFolderInUse")).isEqualTo("Data folder in use");
    assertThat(PortalView.words("Available")).isEqualTo("Available");
    assertThat(PortalView.words("")).isEmpty();
    assertThat(PortalView.words(null)).isEmpty();
  }

  @Test
  void theGpuSaysTheModeAndWhatIsAsked() {
    OperatorConfig config = OperatorConfig.defaults();
    assertThat(PortalView.gpu(null, config)).isEqualTo("exclusive, 1 x nvidia.com/gpu");
    GpuSpec two = new GpuSpec();
    two.count = 2;
    assertThat(PortalView.gpu(two, config)).isEqualTo("exclusive, 2 x nvidia.com/gpu");
    GpuSpec shared = new GpuSpec();
    shared.mode = GpuSpec.Mode.SHARED;
    assertThat(PortalView.gpu(shared, config)).isEqualTo("shared, 1 x nvidia.com/gpu.shared");
    GpuSpec none = new GpuSpec();
    none.count = 0;
    assertThat(PortalView.gpu(none, config)).isEqualTo("none");
    GpuSpec unmanaged = new GpuSpec();
    unmanaged.mode = GpuSpec.Mode.UNMANAGED;
    assertThat(PortalView.gpu(unmanaged, config)).isEqualTo("unmanaged, all GPUs of the node (no request)");
    GpuSpec dra = new GpuSpec();
    dra.mode = GpuSpec.Mode.DRA;
    assertThat(PortalView.gpu(dra, config)).isEqualTo("dra, 1 x gpu.nvidia.com");
  }

  private static AIModel model(String name, String size, boolean downloading, String readyReason) {
    AIModel model = new AIModel();
    model.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("studio").build());
    model.setSpec(new AIModelSpec());
    model.getSpec().source = new AIModelSpec.Source();
    model.getSpec().source.url = "https://civitai.com/api/download/models/12345?token=secret";
    model.getSpec().category = "loras";
    model.getSpec().folder = "SDXL";
    model.getSpec().fileName = "style.safetensors";
    model.setStatus(new AIModelStatus());
    model.getStatus().size = size;
    model.getStatus().conditions = new java.util.ArrayList<>();
    if (downloading) {
      model.getStatus().conditions.add(new ConditionBuilder().withType("Reconciling").withStatus("True").withReason("Downloading").build());
    }
    if (readyReason != null) {
      model.getStatus().conditions.add(new ConditionBuilder().withType("Ready").withStatus("True").withReason(readyReason)
          .withMessage("in the store").build());
    }
    return model;
  }

  @Test
  void aDownloadShowsItsPercentOnlyWhileItRuns() {
    PortalView.Model running = PortalView.model(model("a", "1.2 GiB / 4.8 GiB (25 %)", true, null));
    assertThat(running.percent()).isEqualTo(25);
    assertThat(running.result()).isEqualTo("Downloading");
    assertThat(running.source()).isEqualTo("civitai.com");
    assertThat(running.target()).isEqualTo("loras/SDXL/style.safetensors");
    PortalView.Model done = PortalView.model(model("b", "4.8 GiB (100 %)", false, "Downloaded"));
    assertThat(done.percent()).isNull();
    assertThat(done.result()).isEqualTo("Downloaded");
    assertThat(done.message()).isEqualTo("in the store");
    assertThat(PortalView.model(model("c", "", true, null)).percent()).isNull();
    assertThat(PortalView.model(model("d", "9 B / 1 B (250 %)", true, null)).percent()).isEqualTo(100);
  }

  @Test
  void theInboxListsMovedAndRefusedNewestFirst() {
    AIModel upload = model("upload-a", null, false, "Uploaded");
    upload.getSpec().source = new AIModelSpec.Source();
    upload.getSpec().source.upload = new AIModelSpec.Upload();
    upload.getSpec().source.upload.from = "loras/a.safetensors";
    upload.getSpec().source.upload.bytes = 2048L;
    upload.getSpec().source.upload.app = "ComfyUI";
    upload.getSpec().sha256 = "ab".repeat(32);
    upload.getMetadata().setCreationTimestamp("2026-12-07T10:00:00Z");
    var refused = new EventBuilder().withNewMetadata().withName("r").endMetadata().withReason("UploadRefused")
        .withMessage("checkpoints/evil.ckpt: Refused because it imports os.system").withLastTimestamp("2026-12-07T11:00:00Z")
        .withNewInvolvedObject().withKind("CronJob").withName("aiservice-inbox").withNamespace("studio").endInvolvedObject().build();
    var other = new EventBuilder().withNewMetadata().withName("o").endMetadata().withReason("Suspended").withType("Normal").withMessage("m")
        .withLastTimestamp("2026-12-07T09:00:00Z")
        .withNewInvolvedObject().withKind("AIService").withName("comfyui").withNamespace("studio").endInvolvedObject().build();
    PortalView.Page page = PortalView.page(List.of(), List.of(upload, model("dl", "", false, "Downloaded")), List.of(refused, other),
        Map.of("store/loras", 3L * 1024 * 1024 * 1024), OperatorConfig.defaults(), null, true, "");
    assertThat(page.inbox()).containsExactly(
        new PortalView.InboxEntry("2026-12-07T11:00:00Z", "checkpoints/evil.ckpt", "refused", "Refused because it imports os.system"),
        new PortalView.InboxEntry("2026-12-07T10:00:00Z", "loras/a.safetensors", "moved",
            "downloaded in ComfyUI, 2.0 KiB, sha256 " + "ab".repeat(32)));
    // uploads are inbox entries, not downloads; the refusal is no "recent event" of its own
    assertThat(page.models()).extracting(PortalView.Model::name).containsExactly("dl");
    assertThat(page.events()).extracting(PortalView.EventRow::object).containsExactly("AIService studio/comfyui");
    assertThat(page.storage()).containsExactly(new PortalView.StorageRow("store", "loras", "3.0 GiB", ""));
    // actions only with a user
    assertThat(page.actions()).isFalse();
  }

  @Test
  void sizesAreHuman() {
    assertThat(PortalView.human(0L)).isEqualTo("0 B");
    assertThat(PortalView.human(1023L)).isEqualTo("1023 B");
    assertThat(PortalView.human(1536L)).isEqualTo("1.5 KiB");
    assertThat(PortalView.human(5L * 1024 * 1024 * 1024 * 1024)).isEqualTo("5.0 TiB");
    assertThat(PortalView.human(null)).isEmpty();
  }
}
