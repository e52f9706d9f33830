package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.storage.StorageResolver;
import de.dhoch3.aiservices.storage.StorageRoot;
import java.util.Optional;

/**
 * Where an AIService keeps its writable state (data root + ServiceDir, and its folders on the user
 * share), as comparable keys. Two AIServices with one key would run two copies of an app on the same
 * SQLite files, or one team would write into another's outputs.
 */
public final class DataFolder {
  private DataFolder() {}

  /** The keys of the folders above this one on the same volume, nearest first (for an index: no scan of all AIServices). */
  public static java.util.List<String> ancestors(String key) {
    int pathStart = key.indexOf('/', key.indexOf(key.startsWith("claim ") ? ':' : ' '));
    java.util.List<String> above = new java.util.ArrayList<>();
    for (int slash = key.lastIndexOf('/'); slash > pathStart; slash = key.lastIndexOf('/', slash - 1)) {
      above.add(key.substring(0, slash));
    }
    return above;
  }

  /**
   * The folders only this AIService may write, as comparable keys: its data folder and its
   * writable folders on the user share (outputs, uploads, datasets), across all namespaces (a
   * hostPath is one folder whoever names it). Lower case, because on an SMB share ComfyUI and
   * comfyui are one folder. Empty when the spec is too broken to say; the builder reports that.
   */
  public static java.util.List<String> keys(AIService ai, OperatorConfig config) {
    try {
      if (ai.getSpec() == null || ai.getSpec().app == null || !Catalog.has(ai.getSpec().app)) {
        return java.util.List.of();
      }
      StorageResolver.Roots roots = StorageResolver.resolve(ai.getSpec().storage, config);
      String serviceDir = serviceDir(ai);
      String namespace = ai.getMetadata().getNamespace();
      java.util.List<String> keys = new java.util.ArrayList<>();
      keys.add(key(roots.data(), serviceDir, namespace));
      for (String folder : Catalog.profile(ai.getSpec().app).writableUserFolders()) {
        keys.add(key(roots.user(), folder + "/" + serviceDir, namespace));
      }
      return keys;
    } catch (RuntimeException invalid) {
      return java.util.List.of();
    }
  }

  /** The app's folder name on the data root and below output/: the spec's, the catalog's default, or the AIService's name. */
  public static String serviceDir(AIService ai) {
    return ai.getSpec().storage != null && ai.getSpec().storage.serviceDir != null
        ? ai.getSpec().storage.serviceDir
        : Optional.ofNullable(Catalog.profile(ai.getSpec().app).defaults().serviceDir()).orElse(ai.getMetadata().getName());
  }

  private static String key(StorageRoot root, String relative, String namespace) {
    String key = root.hostPath() != null
        ? "hostPath " + root.hostPath() + "/" + relative
        // a claim is namespaced: the same claim name in two namespaces is two volumes
        : "claim " + namespace + "/" + root.claimName() + ":" + (root.basePath().isEmpty() ? "" : "/" + root.basePath()) + "/" + relative;
    return key.toLowerCase(java.util.Locale.ROOT);
  }

}
