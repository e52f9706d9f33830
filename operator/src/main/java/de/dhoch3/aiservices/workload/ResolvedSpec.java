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
import de.dhoch3.aiservices.validation.InvalidSpecException;
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
      problems.add(new SpecProblem("spec.image", "app: custom needs the container image to run, e.g. image: ghcr.io/me/my-app:1.0"));
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
    ContainerPaths paths = defaults.paths().withOverrides(spec.container);
    StorageResolver.Roots roots = null;
    try {
      roots = StorageResolver.resolve(spec.storage, config);
    } catch (InvalidSpecException e) {
      problems.addAll(e.problems());
    }

    Map<String, List<String>> categories = categories(spec, defaults, problems);
    List<AppLayout.StoreMount> storeMounts = storeMounts(spec.models, problems);
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

  private static List<AppLayout.StoreMount> storeMounts(ModelsSpec models, List<SpecProblem> problems) {
    List<AppLayout.StoreMount> mounts = new ArrayList<>();
    if (models == null) {
      return mounts;
    }
    addMounts("spec.models.files", models.files, mounts, problems);
    addMounts("spec.models.mounts", models.mounts, mounts, problems);
    return mounts;
  }

  private static void addMounts(String field, List<ModelsSpec.FileMount> list, List<AppLayout.StoreMount> mounts, List<SpecProblem> problems) {
    if (list == null) {
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      ModelsSpec.FileMount mount = list.get(i);
      try {
        String source = SafePaths.relative(field + "[" + i + "].source", mount.source);
        String target = SafePaths.absolute(field + "[" + i + "].target", mount.target);
        mounts.add(new AppLayout.StoreMount(source, target));
      } catch (InvalidSpecException e) {
        problems.addAll(e.problems());
      }
    }
  }
}
