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
    dra.deviceClassName = "gpu.example.com";
    assertThat(PortalView.gpu(dra, config)).isEqualTo("dra, 1 x gpu.example.com");
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

  private static de.dhoch3.aiservices.api.AIService service(String namespace, String name, de.dhoch3.aiservices.api.App app, String readyStatus,
      String reason, String message) {
    var ai = new de.dhoch3.aiservices.api.AIService();
    ai.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    ai.setSpec(new de.dhoch3.aiservices.api.AIServiceSpec());
    ai.getSpec().app = app;
    if (readyStatus != null) {
      ai.setStatus(new de.dhoch3.aiservices.api.AIServiceStatus());
      ai.getStatus().url = "http://" + name + "." + namespace + ".svc:7865";
      ai.getStatus().conditions = new java.util.ArrayList<>(List.of(new ConditionBuilder().withType("Ready").withStatus(readyStatus)
          .withReason(reason).withMessage(message).build()));
    }
    return ai;
  }

  private static de.dhoch3.aiservices.api.ModelPath path(String category) {
    var path = new de.dhoch3.aiservices.api.ModelPath();
    path.category = category;
    return path;
  }

  @Test
  void eachAppSaysItsStateReasonLinkGpuAndWhichCategoriesItFoundAndMisses() {
    OperatorConfig config = OperatorConfig.defaults();
    var fooocus = service("studio", "fooocus", de.dhoch3.aiservices.api.App.FOOOCUS, "True", "Available", "up");
    // fooocus reads checkpoints, loras, embeddings, vae (its catalog entry): it found two of them
    fooocus.getStatus().modelPaths = List.of(path("loras"), path("checkpoints"));
    PortalView.Service ready = PortalView.service(fooocus, config);
    assertThat(ready).isEqualTo(new PortalView.Service("studio", "fooocus", "fooocus", true, "Ready", "Available: up",
        "http://fooocus.studio.svc:7865", "exclusive, 1 x nvidia.com/gpu", "checkpoints, loras", "embeddings, vae", false));

    var held = service("team", "held", de.dhoch3.aiservices.api.App.FORGE, "False", "DataFolderInUse", "");
    PortalView.Service notReady = PortalView.service(held, config);
    assertThat(notReady.ready()).isFalse();
    assertThat(notReady.state()).isEqualTo("Not ready");
    assertThat(notReady.reason()).isEqualTo("Data folder in use");
    assertThat(notReady.found()).isEmpty();

    held.getSpec().suspend = true;
    PortalView.Service suspended = PortalView.service(held, config);
    assertThat(suspended.state()).isEqualTo("Suspended");
    assertThat(suspended.suspended()).isTrue();
    // a suspended app is never shown as ready, even while its old status still says so
    fooocus.getSpec().suspend = true;
    assertThat(PortalView.service(fooocus, config).ready()).isFalse();

    PortalView.Service fresh = PortalView.service(service("studio", "new", de.dhoch3.aiservices.api.App.COMFYUI, null, null, null), config);
    assertThat(fresh.state()).isEqualTo("Not reconciled yet");
    assertThat(fresh.reason()).isEqualTo("waiting for the operator");
    assertThat(fresh.link()).isNull();
    assertThat(fresh.suspended()).isFalse();

    // the page lists apps by namespace, then name; actions only for a user
    PortalView.Page page = PortalView.page(List.of(held, fooocus,
        service("alpha", "zeta", de.dhoch3.aiservices.api.App.COMFYUI, null, null, null),
        service("alpha", "beta", de.dhoch3.aiservices.api.App.COMFYUI, null, null, null)),
        List.of(model("z-model", "", false, null), model("a-model", "", false, null)), List.of(), Map.of(), config, "alice", true, "t");
    assertThat(page.services()).extracting(s -> s.namespace() + "/" + s.name())
        .containsExactly("alpha/beta", "alpha/zeta", "studio/fooocus", "team/held");
    assertThat(page.models()).extracting(PortalView.Model::name).containsExactly("a-model", "z-model");
    AIModel elsewhere = model("a-first-by-name", "", false, null);
    elsewhere.getMetadata().setNamespace("zoo");
    assertThat(PortalView.page(List.of(), List.of(elsewhere, model("z-model", "", false, null)), List.of(), Map.of(), config, null, false, "")
        .models()).extracting(m -> m.namespace() + "/" + m.name()).containsExactly("studio/z-model", "zoo/a-first-by-name");
    assertThat(page.actions()).isTrue();
    assertThat(page.user()).isEqualTo("alice");
    assertThat(PortalView.page(List.of(), List.of(), List.of(), Map.of(), config, "alice", false, "t").actions()).isFalse();
  }

  @Test
  void sourcesNameTheRepositoryTheModelVersionOrTheHostOnly() {
    AIModelSpec spec = new AIModelSpec();
    spec.source = new AIModelSpec.Source();
    spec.source.huggingFace = new AIModelSpec.HuggingFace();
    spec.source.huggingFace.repo = "black-forest-labs/FLUX.1-dev";
    assertThat(PortalView.source(spec)).isEqualTo("Hugging Face black-forest-labs/FLUX.1-dev");
    spec.source.huggingFace.file = "ae.safetensors";
    assertThat(PortalView.source(spec)).isEqualTo("Hugging Face black-forest-labs/FLUX.1-dev ae.safetensors");
    spec.source = new AIModelSpec.Source();
    spec.source.civitai = new AIModelSpec.Civitai();
    spec.source.civitai.modelVersionId = 128713L;
    assertThat(PortalView.source(spec)).isEqualTo("Civitai model version 128713");
    spec.source = new AIModelSpec.Source();
    spec.source.upload = new AIModelSpec.Upload();
    spec.source.upload.from = "loras/a.safetensors";
    assertThat(PortalView.source(spec)).isEqualTo("upload loras/a.safetensors");
    spec.source = new AIModelSpec.Source();
    spec.source.url = "https://exa mple.com/x";
    assertThat(PortalView.source(spec)).isEmpty();
    assertThat(PortalView.source(null)).isEmpty();
  }

  @Test
  void eventsAreNewestFirstAndAtMostTwenty() {
    List<io.fabric8.kubernetes.api.model.Event> events = new java.util.ArrayList<>();
    for (int i = 10; i < 35; i++) {
      events.add(new EventBuilder().withNewMetadata().withName("e" + i).endMetadata().withReason("R" + i).withType("Normal").withMessage("m")
          .withLastTimestamp("2026-12-07T10:00:" + i + "Z")
          .withNewInvolvedObject().withKind("AIService").withName("a").withNamespace("studio").endInvolvedObject().build());
    }
    var rows = PortalView.page(List.of(), List.of(), events, Map.of(), OperatorConfig.defaults(), null, false, "").events();
    assertThat(rows).hasSize(20);
    assertThat(rows.get(0).reason()).isEqualTo("R34");
    assertThat(rows.get(19).reason()).isEqualTo("R15");
    assertThat(rows.get(0)).isEqualTo(new PortalView.EventRow("2026-12-07T10:00:34Z", "AIService studio/a", "Normal", "R34", "m"));
  }

  @Test
  void edgesOfSizesStorageKeysRefusalsAndTimes() {
    assertThat(PortalView.human(1024L)).isEqualTo("1.0 KiB");
    assertThat(PortalView.human(1L << 62)).isEqualTo("4096.0 PiB");
    assertThat(PortalView.storage(Map.of("store", 5L, "/x", 6L), OperatorConfig.defaults())).containsExactly(
        new PortalView.StorageRow("", "x", "6 B", ""), new PortalView.StorageRow("store", "", "5 B", ""));
    OperatorConfig quotas = OperatorConfig.defaults();
    quotas.inbox.quotas.put("output", "2Ti");
    assertThat(PortalView.storage(Map.of("output/ComfyUI", 5L), quotas)).containsExactly(new PortalView.StorageRow("output", "ComfyUI", "5 B", "2Ti"));
    var noReason = new EventBuilder().withNewMetadata().withName("r").withCreationTimestamp("2026-12-07T08:00:00Z").endMetadata()
        .withReason("UploadRefused").withMessage("whole message")
        .withNewInvolvedObject().withKind("CronJob").withName("aiservice-inbox").withNamespace("studio").endInvolvedObject().build();
    var atStart = new EventBuilder().withNewMetadata().withName("s").endMetadata().withReason("UploadRefused").withMessage(": only a reason")
        .withLastTimestamp("2026-12-07T07:00:00Z")
        .withNewInvolvedObject().withKind("CronJob").withName("aiservice-inbox").withNamespace("studio").endInvolvedObject().build();
    assertThat(PortalView.inbox(List.of(), List.of(noReason, atStart))).containsExactly(
        new PortalView.InboxEntry("2026-12-07T08:00:00Z", "whole message", "refused", ""),
        new PortalView.InboxEntry("2026-12-07T07:00:00Z", "", "refused", "only a reason"));
  }

  @Test
  void aFinishedDownloadIsItsResultAndItsPlaceInTheStore() {
    AIModel done = model("done", "4.8 GiB", false, "Downloaded");
    done.getStatus().conditions.add(new ConditionBuilder().withType("Reconciling").withStatus("False").withReason("Done").build());
    done.getStatus().path = "loras/SDXL/style-v2.safetensors";
    PortalView.Model shown = PortalView.model(done);
    assertThat(shown.result()).isEqualTo("Downloaded");
    assertThat(shown.target()).isEqualTo("loras/SDXL/style-v2.safetensors");
    GpuSpec none = new GpuSpec();
    none.mode = GpuSpec.Mode.NONE;
    assertThat(PortalView.gpu(none, OperatorConfig.defaults())).isEqualTo("none");
  }
}
