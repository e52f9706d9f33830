package de.dhoch3.aiservices.models;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.ModelPath;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.storage.StorageResolver;
import de.dhoch3.aiservices.storage.StorageRoot;
import java.util.List;
import java.util.Optional;

/**
 * Which running apps cannot see a file an AIModel just put into the store until their pod starts
 * again (README, "Apps see new files"): FluxGym and AI Toolkit link store files one by one at
 * start; any app whose prepare step found the category missing at start got an empty folder of its
 * own instead of a link. InvokeAI scans every minute and the others list their linked folders
 * again on refresh: those are left alone. Pure.
 */
public final class StoreChangeRestarts {
  private StoreChangeRestarts() {}

  /** Whether this AIService must restart to see {@code category}'s new file; only AIServices on the same store count. */
  public static boolean needsRestart(AIService ai, String category, String storeKey, OperatorConfig config) {
    if (ai.getSpec() == null || ai.getSpec().app == null || Boolean.TRUE.equals(ai.getSpec().suspend)) {
      return false;
    }
    if (!storeKey.equals(storeKey(ai, config).orElse(null))) {
      return false;
    }
    List<ModelPath> paths = ai.getStatus() == null || ai.getStatus().modelPaths == null ? List.of() : ai.getStatus().modelPaths;
    boolean offered = paths.stream().anyMatch(p -> category.equals(p.source) || category.equals(p.category)
        || p.source != null && p.source.startsWith(category + "/"));
    return switch (ai.getSpec().app) {
      case INVOKEAI -> false;
      case FLUXGYM, AI_TOOLKIT -> offered;
      default -> paths.stream().anyMatch(p -> category.equals(p.source) && Boolean.FALSE.equals(p.found));
    };
  }

  /** The store an AIService reads, as a comparable key (a claim is its namespace's). */
  static Optional<String> storeKey(AIService ai, OperatorConfig config) {
    try {
      StorageRoot models = StorageResolver.resolve(ai.getSpec().storage, config).models();
      return Optional.of(key(models.hostPath(), models.claimName(), models.basePath(), ai.getMetadata().getNamespace()));
    } catch (RuntimeException invalid) {
      return Optional.empty();
    }
  }

  static String key(String hostPath, String claimName, String base, String namespace) {
    return hostPath != null ? "hostPath " + hostPath : "claim " + namespace + "/" + claimName + ":" + (base == null ? "" : base);
  }
}
