package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ModelsSpec;
import de.dhoch3.aiservices.apps.AppDefaults;
import de.dhoch3.aiservices.apps.AppLayout;
import de.dhoch3.aiservices.apps.ContainerPaths;
import de.dhoch3.aiservices.apps.StoreCategories;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.storage.SafePaths;
import de.dhoch3.aiservices.storage.StorageResolver;
import de.dhoch3.aiservices.validation.ContainerPathRules;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.validation.KubernetesValues;
import de.dhoch3.aiservices.validation.SpecProblem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The spec with every default filled in from the catalog and the operator configuration, and
 * every path checked. All problems are collected and reported together.
 */
record ResolvedSpec(
    String image,
    int port,
    String readinessPath,
    int startupSeconds,
    String serviceDir,
    ContainerPaths paths,
    StorageResolver.Roots roots,
    Map<String, List<String>> categories,
    List<AppLayout.StoreMount> extraStoreMounts) {

  static final int DEFAULT_STARTUP_SECONDS = 1800;

  static ResolvedSpec resolve(AIService ai, AppDefaults defaults, OperatorConfig config) {
    AIServiceSpec spec = ai.getSpec();
    List<SpecProblem> problems = new ArrayList<>();

    String image = spec.image != null && !spec.image.isBlank() ? spec.image
        : config.imageOverride(spec.app.value()) != null ? config.imageOverride(spec.app.value())
        : defaults.image();
    if (image != null && !image.matches("\\S+")) {
      problems.add(new SpecProblem("spec.image", "'" + image + "' is not an image reference: it must not contain spaces, e.g. image: ghcr.io/me/my-app:1.0"));
    }
    if (image == null) {
      problems.add(new SpecProblem("spec.image", spec.app == App.CUSTOM
          ? "app: custom needs the container image to run, e.g. image: ghcr.io/me/my-app:1.0" : defaults.imageNeeds()));
    }
    Integer port = spec.container != null && spec.container.port != null ? spec.container.port
        : defaults.port() > 0 ? defaults.port() : null;
    if (port == null) {
      problems.add(new SpecProblem("spec.container.port", "app: custom needs the port the app listens on, e.g. container: {port: 8080}"));
    }
    String readiness = spec.container != null && spec.container.readinessPath != null ? spec.container.readinessPath : defaults.readinessPath();
    int startup = spec.container != null && spec.container.startupSeconds != null ? spec.container.startupSeconds : DEFAULT_STARTUP_SECONDS;

    String serviceDir = spec.storage != null && spec.storage.serviceDir != null ? spec.storage.serviceDir
        : defaults.serviceDir() != null ? defaults.serviceDir() : ai.getMetadata().getName();
    if (serviceDir.contains("/") || serviceDir.equals("..") || serviceDir.equals(".")) {
      problems.add(new SpecProblem("spec.storage.serviceDir", "'" + serviceDir + "' must be a single folder name like ComfyUI"));
    }

    if (spec.auth != null && spec.app != App.AI_TOOLKIT && spec.app != App.INVOKEAI) {
      problems.add(new SpecProblem("spec.auth", "only ai-toolkit (AI_TOOLKIT_AUTH) and invokeai (administrator login of a multi-user InvokeAI) read spec.auth; remove it for " + spec.app.value()));
    }
    if (spec.auth != null && Boolean.TRUE.equals(spec.auth.generate) && spec.app != App.AI_TOOLKIT) {
      problems.add(new SpecProblem("spec.auth.generate", "only ai-toolkit's token can be generated (InvokeAI's administrator is made in"
          + " InvokeAI itself); create the Secret with the keys email and password and remove generate"));
    }
    ContainerPaths paths = containerPaths(defaults.paths(), spec.container, problems);
    // the paths as resolved, each with the field that set it (the catalog's own never nest)
    java.util.Map<String, String> others = new java.util.LinkedHashMap<>();
    var given = spec.container;
    others.put(given != null && given.dataPath != null ? "spec.container.dataPath" : "catalog dataPath", paths.data());
    others.put(given != null && given.outputPath != null ? "spec.container.outputPath" : "catalog outputPath", paths.output());
    others.put(given != null && given.inputPath != null ? "spec.container.inputPath" : "catalog inputPath", paths.input());
    others.put(given != null && given.workflowsPath != null ? "spec.container.workflowsPath" : "catalog workflowsPath", paths.workflows());
    problems.addAll(ContainerPathRules.storeApart(paths.models(), others));
    problems.addAll(de.dhoch3.aiservices.validation.AdminPolicy.problems(spec, ai.getMetadata().getName(), ai.getMetadata().getNamespace(), config));
    problems.addAll(KubernetesValues.problems(spec));
    problems.addAll(de.dhoch3.aiservices.validation.OwnedSettingsRules.problems(
        spec, de.dhoch3.aiservices.validation.OwnedSettings.of(spec.app), defaults.argsEnv(), config));
    StorageResolver.Roots roots = null;
    try {
      roots = StorageResolver.resolve(spec.storage, config);
    } catch (InvalidSpecException e) {
      problems.addAll(e.problems());
    }

    Map<String, List<String>> categories = categories(spec, defaults, problems);
    List<String> targetFields = new ArrayList<>();
    List<AppLayout.StoreMount> storeMounts = storeMounts(spec.models, targetFields, problems);
    nestedTargets(storeMounts, targetFields, paths, problems);
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(problems);
    }
    return new ResolvedSpec(image, port, readiness, startup, serviceDir, paths, roots, categories, storeMounts);
  }

  /** The categories to offer: the app's (or the spec's restriction of them) plus the spec's extra paths. */
  private static Map<String, List<String>> categories(AIServiceSpec spec, AppDefaults defaults, List<SpecProblem> problems) {
    ModelsSpec models = spec.models;
    List<String> wanted = models != null && models.categories != null ? models.categories : defaults.categories();
    Map<String, List<String>> result = new LinkedHashMap<>();
    for (int i = 0; i < wanted.size(); i++) {
      String category = wanted.get(i);
      if (!defaults.categories().contains(category)) {
        problems.add(new SpecProblem("spec.models.categories[" + i + "]",
            "'" + category + "' is not a category " + spec.app.value() + " can use; choose from " + defaults.categories()
                + (spec.app == App.CUSTOM ? " (custom apps list store folders in spec.models.mounts instead)" : "")));
        continue;
      }
      result.put(category, new ArrayList<>(StoreCategories.foldersOf(category)));
    }
    if (models != null && models.extraPaths != null) {
      for (int i = 0; i < models.extraPaths.size(); i++) {
        ModelsSpec.ExtraPath extra = models.extraPaths.get(i);
        String field = "spec.models.extraPaths[" + i + "]";
        if (extra.category == null || extra.category.isBlank()) {
          problems.add(new SpecProblem(field + ".category", "required; the category name as the app knows it, e.g. loras"));
          continue;
        }
        try {
          String folder = SafePaths.relative(field + ".path", extra.path);
          List<String> folders = result.computeIfAbsent(extra.category, k -> new ArrayList<>());
          if (!folders.contains(folder)) {
            folders.add(folder);
          }
        } catch (InvalidSpecException e) {
          problems.addAll(e.problems());
        }
      }
    }
    return result;
  }

  /** The catalog's container paths with the spec's overrides, each checked and normalised. */
  private static ContainerPaths containerPaths(ContainerPaths defaults, de.dhoch3.aiservices.api.ContainerSpec container, List<SpecProblem> problems) {
    if (container == null) {
      return defaults;
    }
    return new ContainerPaths(
        override("spec.container.modelsPath", container.modelsPath, defaults.models(), problems),
        override("spec.container.dataPath", container.dataPath, defaults.data(), problems),
        override("spec.container.outputPath", container.outputPath, defaults.output(), problems),
        override("spec.container.inputPath", container.inputPath, defaults.input(), problems),
        override("spec.container.workflowsPath", container.workflowsPath, defaults.workflows(), problems));
  }

  private static String override(String field, String given, String fallback, List<SpecProblem> problems) {
    if (given == null) {
      return fallback;
    }
    String checked = ContainerPathRules.check(field, given, problems);
    return checked != null ? checked : fallback;
  }

  /**
   * A mount inside the read-only store mount, or inside another store file or folder the spec
   * mounts, would need a mount point created INSIDE the store: refused, as are duplicates.
   */
  private static void nestedTargets(List<AppLayout.StoreMount> mounts, List<String> fields, ContainerPaths paths, List<SpecProblem> problems) {
    for (int i = 0; i < mounts.size(); i++) {
      String target = mounts.get(i).target();
      // a read-only store mount around a writable folder would need that folder's mount point inside the store
      boolean link = paths.data() != null && target.startsWith(paths.data() + "/");
      for (String writable : new String[] {paths.data(), paths.output(), paths.workflows(), paths.input()}) {
        if (!link && writable != null && ContainerPathRules.nested(target, writable)) {
          problems.add(new SpecProblem(fields.get(i), "the target " + target + " and the app's folder " + writable
              + " are the same or nested: a read-only store mount around or inside a writable folder would need a mount point"
              + " created inside the store; choose a target apart from it (or inside the data folder, where it becomes a link)"));
        }
      }
      if (paths.models() != null && ContainerPathRules.nested(target, paths.models())) {
        problems.add(new SpecProblem(fields.get(i), "the target " + target + " lies in the store mount " + paths.models()
            + " (or contains it): a mount point there would have to be created inside the read-only store; choose a target outside it"));
      }
      for (int j = i + 1; j < mounts.size(); j++) {
        if (ContainerPathRules.nested(target, mounts.get(j).target())) {
          problems.add(new SpecProblem(fields.get(j), "the targets " + target + " (" + fields.get(i) + ") and " + mounts.get(j).target()
              + " are the same or nested; give each file or folder its own target"));
        }
      }
    }
  }

  /** The spec's store files and mounts, checked; fields gets the field of each target, in order. */
  private static List<AppLayout.StoreMount> storeMounts(ModelsSpec models, List<String> fields, List<SpecProblem> problems) {
    List<AppLayout.StoreMount> mounts = new ArrayList<>();
    if (models == null) {
      return mounts;
    }
    addMounts("spec.models.files", models.files, mounts, fields, problems);
    addMounts("spec.models.mounts", models.mounts, mounts, fields, problems);
    return mounts;
  }

  private static void addMounts(String field, List<ModelsSpec.FileMount> list, List<AppLayout.StoreMount> mounts, List<String> fields,
      List<SpecProblem> problems) {
    if (list == null) {
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      ModelsSpec.FileMount mount = list.get(i);
      try {
        String source = SafePaths.relative(field + "[" + i + "].source", mount.source);
        String target = ContainerPathRules.check(field + "[" + i + "].target", mount.target, problems);
        if (target != null) {
          mounts.add(new AppLayout.StoreMount(source, target));
          fields.add(field + "[" + i + "].target");
        }
      } catch (InvalidSpecException e) {
        problems.addAll(e.problems());
      }
    }
  }
}
