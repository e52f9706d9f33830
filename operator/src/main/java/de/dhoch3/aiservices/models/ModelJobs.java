package de.dhoch3.aiservices.models;

import de.dhoch3.aiservices.api.AIModel;
import de.dhoch3.aiservices.api.AIModelSpec;
import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.apps.StoreCategories;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.config.RootRules;
import de.dhoch3.aiservices.storage.SafePaths;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.validation.SpecProblem;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Jobs of an AIModel as pure functions: the download Job (the only pod that ever mounts the
 * model store writable, and only the one category folder) and the delete Job. Hardened like the
 * app pods; the token comes from the user's Secret as env, never as an argument.
 */
public final class ModelJobs {
  public static final String COMPONENT = "ai.dhoch3.de/component";
  public static final String DOWNLOAD = "model-download";
  public static final String DELETE = "model-delete";
  public static final String MODEL = "ai.dhoch3.de/aimodel";
  /** The Jobs and pods of AIModels, as the AIModel controller watches them: the operator's, labelled with their AIModel. */
  public static final String SELECTOR = Labels.MANAGED_BY_SELECTOR + "," + MODEL;
  /** Where the category folder is mounted in the Job. */
  public static final String DIR = "/store";
  public static final String JAR = "/opt/aiservice-operator/aiservice-operator.jar";
  /** Exit codes of the download program that no retry fixes (invalid, not found, unauthorized, checksum, conflict). */
  public static final List<Integer> FINAL_EXIT_CODES = List.of(2, 3, 4, 5, 6);

  private ModelJobs() {}

  /** What to fetch and where it goes, checked; {@code storeKey} names the store as AIServices' storage does. */
  public record Plan(String url, String category, String fileName, String path, VolumeOf store, String storeKey) {}

  /** The store volume and the folder of the category inside it. */
  public record VolumeOf(Volume volume, String subPath) {}

  public static Plan plan(AIModel model, OperatorConfig config) {
    AIModelSpec spec = model.getSpec();
    List<SpecProblem> problems = new ArrayList<>();
    if (spec == null || spec.source == null) {
      throw new InvalidSpecException("spec.source", "required: one of url, huggingFace, civitai");
    }
    if (spec.source.upload != null) {
      throw new InvalidSpecException("spec.source.upload", "an upload record (written by the model inbox) downloads nothing");
    }
    String url = null;
    String defaultName = null;
    int sources = (spec.source.url != null ? 1 : 0) + (spec.source.huggingFace != null ? 1 : 0) + (spec.source.civitai != null ? 1 : 0);
    if (sources > 1) {
      throw new InvalidSpecException("spec.source", "set exactly one of url, huggingFace, civitai");
    }
    if (spec.sha256 != null && !spec.sha256.matches("[a-f0-9]{64}")) {
      problems.add(new SpecProblem("spec.sha256", "must be 64 lowercase hex digits (sha256sum prints them)"));
    }
    if (spec.source.huggingFace != null && spec.source.huggingFace.file == null) {
      return repositoryPlan(model, config);
    }
    if (spec.source.url != null) {
      url = spec.source.url;
      String path = url.replaceFirst("^https://[^/]+", "").replaceFirst("[?#].*$", "");
      defaultName = path.substring(path.lastIndexOf('/') + 1);
    } else if (spec.source.huggingFace != null) {
      var hf = spec.source.huggingFace;
      // the same rules as the CRD's patterns, for render and for objects written past admission
      if (hf.repo == null || !hf.repo.matches("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*") || hf.repo.contains("..")) {
        throw new InvalidSpecException("spec.source.huggingFace.repo", "'" + hf.repo + "' is not owner/name, e.g. black-forest-labs/FLUX.1-dev");
      }
      if (hf.file == null || hf.file.isBlank() || hf.file.startsWith("/") || List.of(hf.file.split("/")).contains("..")) {
        throw new InvalidSpecException("spec.source.huggingFace.file", "'" + hf.file + "' must be a path in the repository without '..', e.g. ae.safetensors");
      }
      if (hf.revision != null && (!hf.revision.matches("[A-Za-z0-9._-][A-Za-z0-9._/-]*") || hf.revision.contains(".."))) {
        throw new InvalidSpecException("spec.source.huggingFace.revision", "'" + hf.revision + "' is not a branch, tag or commit");
      }
      url = "https://huggingface.co/" + hf.repo + "/resolve/" + (hf.revision != null ? hf.revision : "main") + "/" + hf.file;
      defaultName = hf.file.substring(hf.file.lastIndexOf('/') + 1);
    } else if (spec.source.civitai != null) {
      if (spec.source.civitai.modelVersionId == null || spec.source.civitai.modelVersionId < 1) {
        throw new InvalidSpecException("spec.source.civitai.modelVersionId", "required: the model version id, a positive number");
      }
      url = "https://civitai.com/api/download/models/" + spec.source.civitai.modelVersionId;
    } else {
      problems.add(new SpecProblem("spec.source", "set exactly one of url, huggingFace, civitai"));
    }
    if (url != null && !url.matches("https://[^\\s'\"]+")) {
      problems.add(new SpecProblem("spec.source.url", "'" + url + "' is not an https URL; give e.g. https://example.com/models/file.safetensors"));
    } else if (spec.source.url != null) {
      problems.addAll(destinationProblems(spec.source.url, spec.secretRef != null, config));
    }
    String fileName = spec.fileName != null ? spec.fileName : defaultName;
    if (fileName == null || fileName.isEmpty() || fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")
        || fileName.chars().anyMatch(Character::isISOControl)) {
      problems.add(new SpecProblem("spec.fileName", "the file needs a name of one segment (no '/', not starting with '.'): set spec.fileName"));
    }
    if (spec.category == null || !StoreCategories.ALL.contains(spec.category)) {
      problems.add(new SpecProblem("spec.category", "'" + spec.category + "' is not a store category; choose from " + StoreCategories.ALL));
    }
    VolumeOf store = null;
    try {
      store = store(spec, config);
    } catch (InvalidSpecException e) {
      problems.addAll(e.problems());
    }
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(problems);
    }
    String folder = spec.category;
    if (spec.folder != null && !spec.folder.isBlank()) {
      try {
        String sub = SafePaths.relative("spec.folder", spec.folder);
        if (java.util.Arrays.stream(sub.split("/")).anyMatch(segment -> segment.startsWith("."))) {
          throw new InvalidSpecException("spec.folder", "'" + spec.folder + "' has a hidden folder; name a sub-folder such as FLUX1");
        }
        folder = spec.category + "/" + sub;
      } catch (InvalidSpecException e) {
        throw new InvalidSpecException(e.problems());
      }
    }
    Volume volume = store.volume();
    String base = store.subPath().substring(0, Math.max(0, store.subPath().length() - spec.category.length())).replaceAll("/$", "");
    String storeKey = volume.getHostPath() != null
        ? StoreChangeRestarts.key(base.isEmpty() ? volume.getHostPath().getPath() : volume.getHostPath().getPath() + "/" + base, null, null, null)
        : StoreChangeRestarts.key(null, volume.getPersistentVolumeClaim().getClaimName(), base, model.getMetadata().getNamespace());
    return new Plan(url, spec.category, fileName, folder + "/" + fileName,
        new VolumeOf(volume, folder.equals(spec.category) ? store.subPath() : store.subPath() + folder.substring(spec.category.length())),
        storeKey);
  }

  /** The hub cache's folder name of a repository, as huggingface_hub names it (repo_folder_name). */
  static String repoFolder(String repo) {
    return "models--" + repo.replace("/", "--");
  }

  /**
   * A whole repository into the shared hub cache (storage.caches.hfHub): only there, only into its
   * own repository folder, never deleted by the operator (the cache is the admin's).
   */
  private static Plan repositoryPlan(AIModel model, OperatorConfig config) {
    AIModelSpec spec = model.getSpec();
    var hf = spec.source.huggingFace;
    List<SpecProblem> problems = new ArrayList<>();
    if (hf.repo == null || !hf.repo.matches("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*") || hf.repo.contains("..")) {
      problems.add(new SpecProblem("spec.source.huggingFace.repo", "'" + hf.repo + "' is not owner/name, e.g. black-forest-labs/FLUX.1-dev"));
    }
    if (hf.revision != null && (!hf.revision.matches("[A-Za-z0-9._-][A-Za-z0-9._/-]*") || hf.revision.contains(".."))) {
      problems.add(new SpecProblem("spec.source.huggingFace.revision", "'" + hf.revision + "' is not a branch, tag or commit"));
    }
    if (spec.category != null || spec.folder != null || spec.fileName != null || spec.sha256 != null) {
      problems.add(new SpecProblem("spec.category", "a whole repository goes to the shared hub cache in the Hub's own layout:"
          + " remove category, folder, fileName and sha256 (or give huggingFace.file for one file)"));
    }
    if (spec.models != null) {
      problems.add(new SpecProblem("spec.models", "a whole repository goes to the admin's shared hub cache (storage.caches.hfHub); remove spec.models"));
    }
    if (spec.deletionPolicy == AIModelSpec.DeletionPolicy.DELETE) {
      problems.add(new SpecProblem("spec.deletionPolicy", "a repository in the shared hub cache may be used by every app; the operator"
          + " does not delete it: use Retain"));
    }
    VolumeRef cache = config.storage.caches == null ? null : config.storage.caches.hfHub;
    if (cache == null || (cache.hostPath == null && cache.claimName == null)) {
      problems.add(new SpecProblem("spec.source.huggingFace.file", "without a file this is the whole repository, which goes to the shared"
          + " hub cache, and the operator configuration has none (storage.caches.hfHub); give a file, or ask the admin to set it"));
    }
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(problems);
    }
    String revision = hf.revision != null ? hf.revision : "main";
    String folder = repoFolder(hf.repo);
    VolumeBuilder volume = new VolumeBuilder().withName("store");
    String base = cache.subPath == null || cache.subPath.isBlank() ? "" : SafePaths.relative("operator configuration storage.caches.hfHub.subPath", cache.subPath);
    if (cache.claimName != null && !cache.claimName.isBlank()) {
      volume.withNewPersistentVolumeClaim().withClaimName(cache.claimName).endPersistentVolumeClaim();
    } else {
      String host = SafePaths.absolute("operator configuration storage.caches.hfHub.hostPath", cache.hostPath);
      String refused = RootRules.hostPathProblem("models", base.isEmpty() ? host : host + "/" + base, config);
      if (refused != null) {
        throw new InvalidSpecException("operator configuration storage.caches.hfHub.hostPath", refused);
      }
      volume.withNewHostPath().withPath(host).withType("Directory").endHostPath();
    }
    return new Plan("https://huggingface.co/api/models/" + hf.repo + "/revision/" + revision, null, folder, "hf-hub/" + folder + "@" + revision,
        new VolumeOf(volume.build(), SafePaths.join(base, folder)), "hf-hub");
  }

  /** Whether the plan fetches a whole repository (download-repo) rather than one file. */
  public static boolean wholeRepository(AIModel model) {
    return model.getSpec().source != null && model.getSpec().source.huggingFace != null && model.getSpec().source.huggingFace.file == null;
  }

  /**
   * Where a url source may point, and where its token may go. The download program checks the
   * resolved address again (download/Destinations), redirects included; these are the rules an
   * author can be told at once: no credentials in the URL, no IP address, no cluster-internal or
   * local name, and a token only for a host the admin lists (Hugging Face's and Civitai's sources
   * send it to their own host).
   */
  static List<SpecProblem> destinationProblems(String url, boolean withToken, OperatorConfig config) {
    List<SpecProblem> problems = new ArrayList<>();
    java.net.URI uri;
    try {
      uri = new java.net.URI(url);
    } catch (java.net.URISyntaxException e) {
      problems.add(new SpecProblem("spec.source.url", "'" + url + "' is not a URL (" + e.getReason() + ")"));
      return problems;
    }
    if (uri.getRawUserInfo() != null) {
      problems.add(new SpecProblem("spec.source.url", "a URL with user-info (user:password@) is refused: credentials belong in a Secret"
          + " named by spec.secretRef"));
      return problems;
    }
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(java.util.Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    String lastLabel = host.substring(host.lastIndexOf('.') + 1);
    if (host.isEmpty() || host.startsWith("[") || lastLabel.matches("[0-9]+|0x[0-9a-f]+") || !host.contains(".")) {
      problems.add(new SpecProblem("spec.source.url", "'" + host + "' is an IP address or a single-label name: downloads go to a public"
          + " host by name (an address could be the cluster's own services or the node's metadata service)"));
      return problems;
    }
    for (String internal : List.of("localhost", "local", "svc", "cluster.local", "internal", "localdomain", "home.arpa")) {
      if (host.equals(internal) || host.endsWith("." + internal)) {
        problems.add(new SpecProblem("spec.source.url", "'" + host + "' is a local or cluster-internal name (." + internal + "); downloads"
            + " come from public hosts"));
        return problems;
      }
    }
    final String h = host;
    if (withToken && config.policy.tokenHosts.stream().noneMatch(allowed -> allowed.equalsIgnoreCase(h))) {
      problems.add(new SpecProblem("spec.secretRef", "the token would be sent to " + host + ", which the admin does not list"
          + " (policy.tokenHosts: " + config.policy.tokenHosts + "); use a huggingFace or civitai source, remove secretRef, or ask the admin"));
    }
    return problems;
  }

  private static VolumeOf store(AIModelSpec spec, OperatorConfig config) {
    var ref = spec.models != null ? spec.models : config.storage.models;
    String field = spec.models != null ? "spec.models" : "operator configuration storage.models";
    if (ref == null) {
      throw new InvalidSpecException("spec.models", "no model store given and the operator configuration has none: set spec.models");
    }
    String base = ref.subPath == null || ref.subPath.isBlank() ? "" : SafePaths.relative(field + ".subPath", ref.subPath);
    String subPath = SafePaths.join(base, spec.category == null ? "" : spec.category);
    VolumeBuilder volume = new VolumeBuilder().withName("store");
    if (ref.claimName != null) {
      // the Job mounts its claim writable: only a claim that holds the store (never another app's data)
      List<String> storeClaims = config.storage.allStoreClaims().stream().map(c -> c.contains("/") ? c.substring(0, c.indexOf('/')) : c).toList();
      if (!storeClaims.contains(ref.claimName)) {
        throw new InvalidSpecException(field + ".claimName", "'" + ref.claimName + "' is not a claim of the model store " + storeClaims
            + " (storage.models, storage.storeClaims): a download Job writes only into the store; name the store's claim or leave spec.models out");
      }
      // where the claim holds the store in a folder beside other roles, only inside that folder
      boolean inside = config.storage.allStoreClaims().stream().anyMatch(store -> {
        int slash = store.indexOf('/');
        String claim = slash < 0 ? store : store.substring(0, slash);
        String storeBase = slash < 0 ? "" : String.join("/", store.substring(slash + 1).split("/+")).toLowerCase(java.util.Locale.ROOT);
        String mine = base.toLowerCase(java.util.Locale.ROOT);
        return claim.equals(ref.claimName) && (storeBase.isEmpty() || mine.equals(storeBase) || mine.startsWith(storeBase + "/"));
      });
      if (!inside) {
        throw new InvalidSpecException(field + ".subPath", "'" + base + "' lies outside the model store's folder on claim '" + ref.claimName
            + "' (" + config.storage.allStoreClaims() + "): a download Job writes only into the store; leave spec.models out");
      }
      volume.withNewPersistentVolumeClaim().withClaimName(ref.claimName).endPersistentVolumeClaim();
    } else if (ref.hostPath != null) {
      String host = SafePaths.absolute(field + ".hostPath", ref.hostPath);
      String full = base.isEmpty() ? host : host + "/" + base;
      String refused = RootRules.hostPathProblem("models", full, config);
      if (refused != null) {
        throw new InvalidSpecException(field + ".hostPath", refused);
      }
      volume.withNewHostPath().withPath(host).withType("Directory").endHostPath();
    } else {
      throw new InvalidSpecException(field, "set exactly one of hostPath or claimName");
    }
    return new VolumeOf(volume.build(), subPath);
  }

  /** The download Job; its name changes with what it fetches, so a changed spec gets a Job of its own. */
  public static Job download(AIModel model, Plan plan, OperatorConfig config) {
    if (wholeRepository(model)) {
      var hf = model.getSpec().source.huggingFace;
      List<String> args = List.of("java", "-jar", JAR, "download-repo", "--repo", hf.repo, "--revision", hf.revision != null ? hf.revision : "main",
          "--dir", DIR, "--progress-file", "/tmp/progress", "--result-file", "/dev/termination-log");
      return job(model, DOWNLOAD, name(model, "download", plan.url() + plan.path()), plan, args, config);
    }
    // the download program (package download): progress file in the Job's own /tmp, never in the store
    List<String> args = new ArrayList<>(List.of("java", "-jar", JAR, "download", "--url", plan.url(), "--dir", DIR, "--file", plan.fileName(),
        "--progress-file", "/tmp/progress", "--result-file", "/dev/termination-log"));
    if (model.getSpec().sha256 != null) {
      args.addAll(List.of("--sha256", model.getSpec().sha256));
    }
    return job(model, DOWNLOAD, name(model, "download", plan.url() + plan.path() + model.getSpec().sha256), plan, args, config);
  }

  /** The Job that removes exactly the file, and only while its checksum is {@code sha256}. */
  public static Job delete(AIModel model, Plan plan, String sha256, OperatorConfig config) {
    List<String> args = List.of("java", "-jar", JAR, "delete-model", "--dir", DIR, "--file", plan.fileName(), "--sha256", sha256,
        "--result-file", "/dev/termination-log");
    return job(model, DELETE, name(model, "delete", plan.path() + sha256), plan, args, config);
  }

  private static Job job(AIModel model, String component, String name, Plan plan, List<String> command, OperatorConfig config) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.OPERATOR);
    labels.put(COMPONENT, component);
    labels.put(MODEL, model.getMetadata().getName());
    var container = new ContainerBuilder().withName("download").withImage(config.images.download).withCommand(command)
        .addNewVolumeMount().withName("store").withMountPath(DIR).withSubPath(plan.store().subPath()).endVolumeMount()
        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
        .withNewResources().addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("256Mi"))
          .addToLimits("memory", new Quantity("512Mi")).endResources()
        .withSecurityContext(STORE_WRITER);
    var secret = model.getSpec().secretRef;
    if (secret != null) {
      container.addNewEnv().withName("DOWNLOAD_TOKEN").withNewValueFrom().withNewSecretKeyRef()
          .withName(secret.name).withKey(secret.key != null ? secret.key : "token").endSecretKeyRef().endValueFrom().endEnv();
    }
    JobBuilder job = new JobBuilder()
        .withNewMetadata().withName(name).withNamespace(model.getMetadata().getNamespace()).withLabels(labels).endMetadata();
    if (model.getMetadata().getUid() != null) {
      // render has no uid to point at; the API server refuses an owner reference without one
      job.editMetadata().addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion(model.getApiVersion()).withKind(model.getKind())
          .withName(model.getMetadata().getName()).withUid(model.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
          .endMetadata();
    }
    return job
        .withNewSpec()
          .withBackoffLimit(4)
          .withActiveDeadlineSeconds(6L * 3600)
          // a missing file, a refused token, a wrong checksum or a different file in the way: no retry helps
          .withNewPodFailurePolicy().addNewRule().withAction("FailJob").withNewOnExitCodes().withContainerName("download")
            .withOperator("In").withValues(FINAL_EXIT_CODES).endOnExitCodes().endRule().endPodFailurePolicy()
          .withNewTemplate()
            .withNewMetadata().withLabels(labels).endMetadata()
            .withSpec(storeWriterPod(container.build(), plan.store().volume()))
          .endTemplate()
        .endSpec()
        .build();
  }

  /** Root without capabilities but DAC_OVERRIDE: writes into store folders whoever owns them, nothing else. */
  public static final io.fabric8.kubernetes.api.model.SecurityContext STORE_WRITER = new io.fabric8.kubernetes.api.model.SecurityContextBuilder()
      .withRunAsUser(0L).withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
      .withNewCapabilities().withDrop("ALL").withAdd("DAC_OVERRIDE").endCapabilities().build();

  /** The pod of a Job that writes into the store (downloads, the inbox): no retries in place, no token, RuntimeDefault seccomp, a /tmp. */
  public static io.fabric8.kubernetes.api.model.PodSpec storeWriterPod(io.fabric8.kubernetes.api.model.Container container,
      io.fabric8.kubernetes.api.model.Volume... volumes) {
    return new io.fabric8.kubernetes.api.model.PodSpecBuilder()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withNewSecurityContext().withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
        .withContainers(container)
        .withVolumes(volumes)
        .addToVolumes(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build())
        .build();
  }

  /** {@code <model>-<kind>-<hash>}, at most 63 characters (the Job's pods get it as a label). */
  static String name(AIModel model, String kind, String what) {
    String hash = sha256(what).substring(0, 8);
    String prefix = model.getMetadata().getName();
    int room = 63 - kind.length() - hash.length() - 2;
    if (prefix.length() > room) {
      prefix = prefix.substring(0, room).replaceAll("[-.]+$", "");
    }
    return prefix + "-" + kind + "-" + hash;
  }

  /** Lower-case hex SHA-256 of a text (UTF-8): names derived from what they stand for. */
  public static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(String.valueOf(text).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
