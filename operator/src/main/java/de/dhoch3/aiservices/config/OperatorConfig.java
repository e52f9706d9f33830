package de.dhoch3.aiservices.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's own configuration: one YAML file read at start (rendered by the Helm chart).
 * Without a file the defaults are the studio's layout under /vol/service/cw.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public class OperatorConfig {

  public Storage storage = new Storage();
  public Gpu gpu = new Gpu();
  public Ingress ingress = new Ingress();
  public Policy policy = new Policy();
  public Images images = new Images();
  /** The model inbox: a scheduled Job moving uploads from the user share into the store (off by default). */
  public Inbox inbox = new Inbox();

  public static class Inbox {
    public boolean enabled = false;
    /** Where the inbox's CronJob runs: the namespace of the store's and the user share's claims (with hostPath storage, any). */
    public String namespace;
    /** Cron schedule of the inbox runs. */
    public String schedule = "*/5 * * * *";
    /** A file is taken once unchanged this long. */
    public int settleSeconds = 120;
    /** Refuse pickle-based files (.ckpt, .pt, .pth, .bin) altogether. */
    public boolean refusePickle = false;
    /** The upload folder below the user share's root. */
    public String folder = "models-upload";
    /** Days a retired output stays in output/.trash/ before it is deleted (spec.storage.outputRetentionDays opts in). */
    public int trashDays = 7;
    /** Only list what the output retention would move and delete. */
    public boolean retentionDryRun = false;
    /** Quotas per storage area (store, data, output) as Kubernetes quantities, e.g. {output: 2Ti}: a metric for alerts. */
    public java.util.Map<String, String> quotas = new java.util.LinkedHashMap<>();
  }

  /** The studio portal: one read-only page of apps, models, inbox and storage (off by default). */
  public Portal portal = new Portal();

  public static class Portal {
    public boolean enabled = false;
    /** The portal's own port on the operator pod. */
    public int port = 8090;
    /** Suspend/resume and restart from the page: off by default; see README "The studio portal". */
    public Actions actions = new Actions();
  }

  public static class Actions {
    public boolean enabled = false;
    /** The header in which the trusted authentication proxy names the user (oauth2-proxy: X-Auth-Request-User; Traefik forward auth: X-Forwarded-User). */
    public String userHeader = "X-Auth-Request-User";
    /**
     * Its groups, comma-separated (oauth2-proxy: X-Auth-Request-Groups); empty (the default): groups are not used. Set it
     * only when the proxy always replaces that header: a client's own copy would otherwise claim any group.
     */
    public String groupsHeader = "";
    /** Only requests from these addresses (CIDRs: the proxy's pods) carry an identity; required when actions are enabled. */
    public List<String> trustedProxies = new ArrayList<>();
  }

  /** Images the operator itself runs in app pods (never the user's image for privileged steps). */
  public static class Images {
    /** The prepare step (folders, links, ownership): a small image with a POSIX shell and coreutils. */
    public String prepare = "busybox:1.37.0";
    /** AIModel downloads: the operator's own image, which has the download program. */
    public String download = "ghcr.io/dhoch3/aiservice-operator:0.1.0";
  }

  /** Namespaces to watch; empty means all. */
  public List<String> watchNamespaces = new ArrayList<>();

  /** AIServices reconciled at once (JOSDK's reconcile threads; its default is 50): README, Benchmark, what to tune. */
  public int reconcileThreads = 50;

  /** Per-app overrides of the catalog's defaults, keyed by app name (e.g. comfyui: {image: ...}). */
  public Map<String, AppOverride> apps = new LinkedHashMap<>();

  public static class Storage {
    public VolumeRef models = VolumeRef.hostPath("/vol/service/cw/storage-models/models");
    public VolumeRef data = VolumeRef.hostPath("/vol/service/cw/storage");
    public VolumeRef user = VolumeRef.hostPath("/vol/service/cw/storage-user");
    /** The only host folders each storage role may use; roots of different roles never overlap. */
    public Roots roots = new Roots();
    /**
     * The claims that hold the model store (storage.models.claimName is always one of them): no app
     * role may use them, and only AIModel Jobs write into them.
     */
    public List<String> storeClaims = new ArrayList<>();
    /** The store's shared download caches (read-only for every app; each app downloads into its own). */
    public Caches caches = new Caches();

    /**
     * Every claim (or folder of a claim, {@code claim/sub/path}) that holds the store: storeClaims
     * plus the default store's claim with its subPath (so one claim can hold the store, the data and
     * the user share side by side).
     */
    public List<String> allStoreClaims() {
      List<String> all = new ArrayList<>(storeClaims);
      if (models != null && models.claimName != null && !models.claimName.isBlank()) {
        String own = models.subPath == null || models.subPath.isBlank() ? models.claimName : models.claimName + "/" + models.subPath;
        if (!all.contains(own)) {
          all.add(own);
        }
      }
      return all;
    }
  }

  /**
   * The store's Hugging Face hub cache (the studio's storage-models/hf-hub) and PyTorch hub cache
   * (storage-models/torch-hub): a hostPath below storage.roots.models or a claim. Unset: none.
   */
  public static class Caches {
    public VolumeRef hfHub;
    public VolumeRef torchHub;
  }

  /**
   * hostPath roots per role. A model store path must lie at or below a models root; a data or
   * user hostPath must BE one of its role's roots (the app's folder below it is serviceDir).
   */
  public static class Roots {
    public List<String> models = new ArrayList<>(List.of("/vol/service/cw/storage-models"));
    public List<String> data = new ArrayList<>(List.of("/vol/service/cw/storage"));
    public List<String> user = new ArrayList<>(List.of("/vol/service/cw/storage-user"));

    /** The roots of one role: models, data or user. */
    public List<String> of(String role) {
      return switch (role) {
        case "models" -> models;
        case "data" -> data;
        case "user" -> user;
        default -> throw new IllegalArgumentException(role);
      };
    }
  }

  /** What an AIService author may ask for; each refused with a message naming the field and this key. */
  public static class Policy {
    /** gpu.mode unmanaged (and NVIDIA_VISIBLE_DEVICES in env) bypasses the scheduler's GPU accounting. */
    public boolean allowUnmanagedGpu = false;
    /** Service types an AIService may ask for. */
    public List<String> serviceTypes = new ArrayList<>(List.of("ClusterIP"));
    /** Ingress hosts must end with one of these (empty: the configured ingress.domain; neither: any host). */
    public List<String> ingressHostSuffixes = new ArrayList<>();
    /** Ingress annotation keys matching one of these regular expressions are refused (snippets run arbitrary proxy config). */
    public List<String> refusedAnnotationPatterns = new ArrayList<>(List.of("(?i).*snippet.*", "(?i).*server-alias.*"));
    /** Whether spec.storage may replace the configured roots (within the role rules) at all. */
    public boolean allowStorageOverrides = true;
    /** Public tunnels of the apps (Gradio --share, GRADIO_SHARE, Forge's --ngrok/--cloudflared ...) bypass the Ingress. */
    public boolean allowPublicTunnels = false;
    /** GPU resource names spec.gpu.resourceName may name (empty: gpu.resourceName and gpu.sharedResourceName). */
    public List<String> gpuResourceNames = new ArrayList<>();
    /** Wildcard Ingress hosts (*.example.com) would take every name below a domain. */
    public boolean allowWildcardHosts = false;
    /** Hosts besides Hugging Face's and Civitai's own that an AIModel's token may be sent to (url sources). */
    public List<String> tokenHosts = new ArrayList<>();
  }

  public static class Gpu {
    public GpuSpec.Mode mode = GpuSpec.Mode.EXCLUSIVE;
    public int count = 1;
    public String resourceName = "nvidia.com/gpu";
    public String sharedResourceName = "nvidia.com/gpu.shared";
    public String runtimeClassName = "nvidia";
    public String deviceClassName = "gpu.nvidia.com";
    public List<Toleration> tolerations =
        new ArrayList<>(
            List.of(
                new TolerationBuilder()
                    .withKey("nvidia.com/gpu")
                    .withOperator("Exists")
                    .withEffect("NoSchedule")
                    .build()));
  }

  public static class Ingress {
    /** AIServices without an ingress host get {@code <name>.<domain>}. */
    public String domain;
    public String className;
    /** Default cert-manager ClusterIssuer for ingresses that ask for TLS without naming one. */
    public String clusterIssuer;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AppOverride {
    public String image;
  }

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public static OperatorConfig defaults() {
    return new OperatorConfig();
  }

  /** Checks a configuration built in code as {@link #load} checks a file. */
  public OperatorConfig checked() {
    blanksAreUnset();
    check("operator configuration");
    return this;
  }

  /** Reads the file; a missing or empty file means the defaults. Unknown keys are an error. */
  public static OperatorConfig load(Path file) {
    if (file == null) {
      return defaults();
    }
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    } catch (IOException e) {
      throw new ConfigException("cannot read operator configuration " + file + ": " + e.getMessage(), e);
    }
  }

  public static OperatorConfig parse(InputStream in, String source) {
    try {
      byte[] bytes = in.readAllBytes();
      if (new String(bytes).isBlank()) {
        return defaults();
      }
      OperatorConfig config = YAML.readValue(bytes, OperatorConfig.class);
      config.blanksAreUnset();
      config.check(source);
      return config;
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(
          source + ": unknown key '" + e.getPropertyName() + "' at " + e.getPathReference()
              + "; known keys: " + e.getKnownPropertyIds(), e);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ConfigException(source + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  /**
   * A blank value means "not set", everywhere: Helm values default to "" (e.g. ingress.className),
   * and an empty string written into an object is refused by the API server ({@code ingressClassName: ""}).
   */
  void blanksAreUnset() {
    ingress.domain = blankToNull(ingress.domain);
    ingress.className = blankToNull(ingress.className);
    ingress.clusterIssuer = blankToNull(ingress.clusterIssuer);
    gpu.runtimeClassName = blankToNull(gpu.runtimeClassName);
    gpu.resourceName = blankToNull(gpu.resourceName);
    gpu.sharedResourceName = blankToNull(gpu.sharedResourceName);
    gpu.deviceClassName = blankToNull(gpu.deviceClassName);
    if (gpu.tolerations == null) {
      gpu.tolerations = new ArrayList<>();
    }
    if (storage.roots == null) {
      storage.roots = new Roots();
    }
    for (String role : List.of("models", "data", "user")) {
      storage.roots.of(role).removeIf(path -> path == null || path.isBlank());
    }
    if (policy == null) {
      policy = new Policy();
    }
    if (images == null) {
      images = new Images();
    }
    images.prepare = blankToNull(images.prepare);
    if (images.prepare == null) {
      images.prepare = new Images().prepare;
    }
    images.download = blankToNull(images.download);
    if (images.download == null) {
      images.download = new Images().download;
    }
    if (watchNamespaces == null) {
      watchNamespaces = new ArrayList<>();
    }
    watchNamespaces.removeIf(ns -> ns == null || ns.isBlank());
    if (apps == null) {
      apps = new LinkedHashMap<>();
    }
    apps.values().removeIf(java.util.Objects::isNull);
    apps.values().forEach(app -> app.image = blankToNull(app.image));
    storage.models = blankRef(storage.models);
    storage.data = blankRef(storage.data);
    storage.user = blankRef(storage.user);
  }

  private static VolumeRef blankRef(VolumeRef ref) {
    if (ref == null) {
      return null;
    }
    ref.hostPath = blankToNull(ref.hostPath);
    ref.claimName = blankToNull(ref.claimName);
    ref.subPath = blankToNull(ref.subPath);
    return ref.hostPath == null && ref.claimName == null ? null : ref;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private void check(String source) {
    List<String> problems = RootRules.configProblems(this);
    if (!problems.isEmpty()) {
      throw new ConfigException(source + ": " + String.join("; ", problems), null);
    }
    for (String pattern : policy.refusedAnnotationPatterns) {
      try {
        java.util.regex.Pattern.compile(pattern);
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new ConfigException(source + ": policy.refusedAnnotationPatterns: '" + pattern + "' is not a regular expression", e);
      }
    }
    if (gpu.count < 0) {
      throw new ConfigException(source + ": gpu.count must be 0 or more, got " + gpu.count, null);
    }
    if (reconcileThreads < 1 || reconcileThreads > 500) {
      throw new ConfigException(source + ": reconcileThreads must be between 1 and 500, got " + reconcileThreads, null);
    }
    if (inbox.enabled && (inbox.namespace == null || !inbox.namespace.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"))) {
      throw new ConfigException(source + ": inbox.namespace must name the namespace the inbox runs in (that of the store's and the"
          + " user share's claims), e.g. studio", null);
    }
    if (portal.port < 1 || portal.port > 65535) {
      throw new ConfigException(source + ": portal.port must be a port number (1 to 65535), got " + portal.port, null);
    }
    if (portal.actions.enabled && portal.actions.trustedProxies.isEmpty()) {
      throw new ConfigException(source + ": portal.actions.enabled needs portal.actions.trustedProxies (the addresses, as CIDRs, of what"
          + " connects to the portal after signing the user in: the authentication proxy's pods, or the Ingress controller's that runs"
          + " forward auth; as narrow as you can, e.g. 10.42.3.17/32): without them anyone who reaches the portal could name any user", null);
    }
    for (String cidr : portal.actions.trustedProxies) {
      if (!de.dhoch3.aiservices.config.Cidr.valid(cidr)) {
        throw new ConfigException(source + ": portal.actions.trustedProxies: '" + cidr + "' is no CIDR (e.g. 10.42.0.0/16 or fd00::/8)", null);
      }
    }
    if (portal.actions.enabled && (portal.actions.userHeader == null || !portal.actions.userHeader.matches("[A-Za-z0-9-]+"))) {
      throw new ConfigException(source + ": portal.actions.userHeader must be a header name, e.g. X-Auth-Request-User", null);
    }
    if (inbox.folder == null || !inbox.folder.matches("[A-Za-z0-9][-A-Za-z0-9_.]*")) {
      throw new ConfigException(source + ": inbox.folder must be one folder name below the user share, e.g. models-upload", null);
    }
    if (inbox.settleSeconds < 0) {
      throw new ConfigException(source + ": inbox.settleSeconds must be 0 or more", null);
    }
    for (var quota : inbox.quotas.entrySet()) {
      if (!List.of("store", "data", "output").contains(quota.getKey()) || quota.getValue() == null
          || !quota.getValue().matches("[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?")) {
        throw new ConfigException(source + ": inbox.quotas: '" + quota.getKey() + ": " + quota.getValue()
            + "' must be store, data or output with a size such as 2Ti", null);
      }
    }
  }

  public String imageOverride(String app) {
    AppOverride override = apps.get(app);
    return override == null ? null : override.image;
  }

  public static class ConfigException extends RuntimeException {
    public ConfigException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
