package de.dhoch3.aiservices.portal;

import de.dhoch3.aiservices.api.AIModel;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the portal page shows, from the cached objects only (pure: no client, no I/O). Every value
 * is plain text: the template escapes it; links are built here and only ever http(s).
 */
public final class PortalView {
  /** The inbox refused an upload or an app's download: an Event the inbox's records write on its CronJob. */
  public static final String UPLOAD_REFUSED = de.dhoch3.aiservices.inbox.InboxRecords.UPLOAD_REFUSED;
  static final int RECENT = 20;
  private static final Pattern PERCENT = Pattern.compile("\\((\\d{1,3}) %\\)");

  public record Page(List<Service> services, List<Model> models, List<InboxEntry> inbox, List<StorageRow> storage, List<EventRow> events,
      String user, boolean actions, String csrf) {
    public boolean hasModels() {
      return !models.isEmpty();
    }

    public boolean hasStorage() {
      return !storage.isEmpty();
    }
  }

  public record Service(String namespace, String name, String app, boolean ready, String state, String reason, String link, String gpu,
      String found, String missing, boolean suspended) {}

  public record Model(String namespace, String name, String source, String target, String size, Integer percent, String result,
      String message) {}

  public record InboxEntry(String when, String file, String outcome, String detail) {}

  public record StorageRow(String area, String folder, String used, String quota) {}

  public record EventRow(String when, String object, String type, String reason, String message) {}

  private PortalView() {}

  public static Page page(List<AIService> services, List<AIModel> models, List<Event> events, Map<String, Long> figures, OperatorConfig config,
      String user, boolean actions, String csrf) {
    return new Page(
        services.stream().sorted(Comparator.comparing((AIService a) -> a.getMetadata().getNamespace()).thenComparing(a -> a.getMetadata().getName()))
            .map(a -> service(a, config)).toList(),
        models.stream().filter(m -> m.getSpec() == null || m.getSpec().source == null || m.getSpec().source.upload == null)
            .sorted(Comparator.comparing((AIModel m) -> m.getMetadata().getNamespace()).thenComparing(m -> m.getMetadata().getName()))
            .map(PortalView::model).toList(),
        inbox(models, events),
        storage(figures, config),
        events.stream().filter(e -> !UPLOAD_REFUSED.equals(e.getReason())).sorted(Comparator.comparing(PortalView::when).reversed())
            .limit(RECENT).map(e -> new EventRow(when(e), e.getInvolvedObject().getKind() + " " + e.getInvolvedObject().getNamespace() + "/"
                + e.getInvolvedObject().getName(), Objects.toString(e.getType(), ""), Objects.toString(e.getReason(), ""),
                Objects.toString(e.getMessage(), ""))).toList(),
        user, actions && user != null, csrf);
  }

  static Service service(AIService ai, OperatorConfig config) {
    var spec = ai.getSpec();
    Optional<Condition> ready = condition(ai.getStatus() == null ? null : ai.getStatus().conditions, "Ready");
    boolean suspended = spec != null && Boolean.TRUE.equals(spec.suspend);
    boolean isReady = ready.map(c -> "True".equals(c.getStatus())).orElse(false);
    String state = suspended ? "Suspended" : isReady ? "Ready" : ready.isEmpty() ? "Not reconciled yet" : "Not ready";
    String reason = ready.map(c -> words(c.getReason()) + (c.getMessage() == null || c.getMessage().isBlank() ? "" : ": " + c.getMessage()))
        .orElse("waiting for the operator");
    String url = ai.getStatus() == null ? null : ai.getStatus().url;
    TreeSet<String> found = new TreeSet<>();
    if (ai.getStatus() != null && ai.getStatus().modelPaths != null) {
      ai.getStatus().modelPaths.forEach(p -> found.add(p.category));
    }
    TreeSet<String> missing = new TreeSet<>();
    if (spec != null && spec.app != null && Catalog.has(spec.app)) {
      missing.addAll(Catalog.profile(spec.app).defaults().categories());
      missing.removeAll(found);
    }
    return new Service(ai.getMetadata().getNamespace(), ai.getMetadata().getName(), spec == null || spec.app == null ? "" : spec.app.value(),
        isReady && !suspended, state, reason, link(url), gpu(spec == null ? null : spec.gpu, config), String.join(", ", found),
        String.join(", ", missing), suspended);
  }

  /** "exclusive, 1 x nvidia.com/gpu": the mode and what the pod asks the scheduler for. */
  static String gpu(GpuSpec gpu, OperatorConfig config) {
    GpuSpec.Mode mode = gpu != null && gpu.mode != null ? gpu.mode : config.gpu.mode;
    int count = gpu != null && gpu.count != null ? gpu.count : config.gpu.count;
    if (count == 0 || mode == GpuSpec.Mode.NONE) {
      return "none";
    }
    String name = mode.name().toLowerCase(Locale.ROOT);
    return switch (mode) {
      case EXCLUSIVE -> name + ", " + count + " x " + (gpu != null && gpu.resourceName != null ? gpu.resourceName : config.gpu.resourceName);
      case SHARED -> name + ", 1 x " + config.gpu.sharedResourceName;
      case DRA -> name + ", " + count + " x " + (gpu != null && gpu.deviceClassName != null ? gpu.deviceClassName : config.gpu.deviceClassName);
      default -> name + ", all GPUs of the node (no request)";
    };
  }

  static Model model(AIModel model) {
    var spec = model.getSpec();
    var status = model.getStatus();
    Optional<Condition> ready = condition(status == null ? null : status.conditions, "Ready");
    boolean downloading = condition(status == null ? null : status.conditions, "Reconciling").map(c -> "True".equals(c.getStatus())).orElse(false);
    String size = status == null || status.size == null ? "" : status.size;
    Integer percent = null;
    Matcher m = PERCENT.matcher(size);
    if (downloading && m.find()) {
      percent = Math.min(100, Integer.parseInt(m.group(1)));
    }
    String target = status != null && status.path != null ? status.path
        : spec == null ? "" : String.join("/", java.util.stream.Stream.of(spec.category, spec.folder, spec.fileName).filter(Objects::nonNull).toList());
    String result = downloading ? "Downloading" : ready.map(c -> words(c.getReason())).orElse("Waiting");
    return new Model(model.getMetadata().getNamespace(), model.getMetadata().getName(), source(spec), target, size, percent, result,
        ready.map(Condition::getMessage).orElse(""));
  }

  static String source(de.dhoch3.aiservices.api.AIModelSpec spec) {
    if (spec == null || spec.source == null) {
      return "";
    }
    var source = spec.source;
    if (source.huggingFace != null) {
      return "Hugging Face " + source.huggingFace.repo + (source.huggingFace.file != null ? " " + source.huggingFace.file : "");
    }
    if (source.civitai != null) {
      return "Civitai model version " + source.civitai.modelVersionId;
    }
    if (source.url != null) {
      try {
        return URI.create(source.url).getHost(); // the host only: a signed query string is nobody's business here
      } catch (IllegalArgumentException e) {
        return "";
      }
    }
    return source.upload != null ? "upload " + source.upload.from : "";
  }

  /** What the inbox moved (its AIModel records) and refused (its Events), newest first. */
  static List<InboxEntry> inbox(List<AIModel> models, List<Event> events) {
    record Dated(String when, InboxEntry entry) {}
    List<Dated> all = new ArrayList<>();
    for (AIModel m : models) {
      if (m.getSpec() != null && m.getSpec().source != null && m.getSpec().source.upload != null) {
        var upload = m.getSpec().source.upload;
        String when = Objects.toString(m.getMetadata().getCreationTimestamp(), "");
        all.add(new Dated(when, new InboxEntry(when, upload.from, "moved", (upload.app != null ? "downloaded in " + upload.app + ", " : "")
            + human(upload.bytes) + ", sha256 " + Objects.toString(m.getSpec().sha256, ""))));
      }
    }
    for (Event e : events) {
      if (UPLOAD_REFUSED.equals(e.getReason())) {
        String message = Objects.toString(e.getMessage(), "");
        int colon = message.indexOf(": ");
        all.add(new Dated(when(e), new InboxEntry(when(e), colon < 0 ? message : message.substring(0, colon), "refused",
            colon < 0 ? "" : message.substring(colon + 2))));
      }
    }
    return all.stream().sorted(Comparator.comparing(Dated::when).reversed()).limit(RECENT).map(Dated::entry).toList();
  }

  static List<StorageRow> storage(Map<String, Long> figures, OperatorConfig config) {
    List<StorageRow> rows = new ArrayList<>();
    new java.util.TreeMap<>(figures).forEach((key, bytes) -> {
      int slash = key.indexOf('/');
      String area = slash < 0 ? key : key.substring(0, slash);
      rows.add(new StorageRow(area, slash < 0 ? "" : key.substring(slash + 1), human(bytes), Objects.toString(config.inbox.quotas.get(area), "")));
    });
    return rows;
  }

  private static Optional<Condition> condition(List<Condition> conditions, String type) {
    return conditions == null ? Optional.empty() : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** "DataFolderInUse" as "data folder in use". */
  static String words(String reason) {
    if (reason == null || reason.isBlank()) {
      return "";
    }
    String spaced = reason.replaceAll("(?<=[a-z0-9])(?=[A-Z])", " ").toLowerCase(Locale.ROOT);
    return Character.toUpperCase(spaced.charAt(0)) + spaced.substring(1);
  }

  /** An http(s) URL as it is, anything else (javascript:, data:, a relative path) no link. */
  static String link(String url) {
    if (url == null) {
      return null;
    }
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null ? uri.toASCIIString() : null;
    } catch (java.net.URISyntaxException e) {
      return null;
    }
  }

  static String when(Event e) {
    String when = e.getLastTimestamp() != null ? e.getLastTimestamp() : e.getEventTime() != null ? e.getEventTime().getTime() : null;
    return when != null ? when : Objects.toString(e.getMetadata().getCreationTimestamp(), "");
  }

  static String human(Long bytes) {
    return bytes == null ? "" : de.dhoch3.aiservices.models.AIModelReconciler.human(bytes);
  }
}
