package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.storage.StorageResolver;
import de.dhoch3.aiservices.storage.StorageRoot;
import java.util.Optional;

/**
 * Where an AIService keeps its writable state (data root + ServiceDir), as a comparable key.
 * Two AIServices with the same key would run two copies of an app on the same SQLite files.
 */
public final class DataFolder {
  private DataFolder() {}

  /** True when two keys name the same folder or one lies inside the other (on the same volume). */
  public static boolean overlap(String a, String b) {
    return a.equals(b) || ancestors(a).contains(b) || ancestors(b).contains(a);
  }

  /** The keys of the folders above this one on the same volume, nearest first (for an index: no scan of all AIServices). */
  public static java.util.List<String> ancestors(String key) {
    int pathStart = key.indexOf('/', key.indexOf(key.startsWith("claim ") ? ':' : ' '));
    java.util.List<String> above = new java.util.ArrayList<>();
    for (int slash = key.lastIndexOf('/'); slash > pathStart; slash = key.lastIndexOf('/', slash - 1)) {
      above.add(key.substring(0, slash));
    }
    return above;
  }

  /** Empty when the spec is too broken to say; the builder reports that. */
  public static Optional<String> key(AIService ai, OperatorConfig config) {
    try {
      if (ai.getSpec() == null || ai.getSpec().app == null || !Catalog.has(ai.getSpec().app)) {
        return Optional.empty();
      }
      StorageRoot data = StorageResolver.resolve(ai.getSpec().storage, config).data();
      String serviceDir = ai.getSpec().storage != null && ai.getSpec().storage.serviceDir != null
          ? ai.getSpec().storage.serviceDir
          : Optional.ofNullable(Catalog.profile(ai.getSpec().app).defaults().serviceDir()).orElse(ai.getMetadata().getName());
      return Optional.of(data.hostPath() != null
          ? "hostPath " + data.hostPath() + "/" + serviceDir
          // a claim is namespaced: the same claim name in two namespaces is two volumes
          : "claim " + ai.getMetadata().getNamespace() + "/" + data.claimName() + ":" + (data.basePath().isEmpty() ? "" : "/" + data.basePath()) + "/" + serviceDir);
    } catch (RuntimeException invalid) {
      return Optional.empty();
    }
  }
}
