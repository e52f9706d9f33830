package de.dhoch3.aiservices.storage;

import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.config.RootRules;
import java.util.ArrayList;
import java.util.List;

/**
 * The storage roles (models read-only; data and user writable) and the rules that keep them
 * apart, each next to its message. The admin names the roots per role; an AIService author only
 * picks a root and a folder name below it (serviceDir), so no app can write into the model store,
 * into another role's tree, or into a root itself.
 */
public final class StorageRoles {
  public static final List<String> ROLES = RootRules.ROLES;

  private StorageRoles() {}

  /** Two roles on the same claim must not see into each other (the store above all). Problems name the writable role. */
  static List<String> claimOverlaps(StorageResolver.Roots roots, String modelsField, String dataField, String userField) {
    List<String> problems = new ArrayList<>();
    StorageRoot[] all = {roots.models(), roots.data(), roots.user()};
    String[] fields = {modelsField, dataField, userField};
    for (int i = 0; i < all.length; i++) {
      for (int j = i + 1; j < all.length; j++) {
        StorageRoot a = all[i];
        StorageRoot b = all[j];
        if (a.claimName() != null && a.claimName().equals(b.claimName()) && overlap(a.basePath(), b.basePath())) {
          problems.add(fields[j] + ": claim '" + b.claimName() + "' at '" + display(b.basePath()) + "' overlaps the " + ROLES.get(i)
              + " storage on the same claim at '" + display(a.basePath()) + "'; "
              + (i == 0 ? "the model store must never be writable: " : "") + "use another claim, or subPaths beside each other");
        }
      }
    }
    return problems;
  }

  /**
   * A writable role on a claim (or folder of a claim) that holds the store: refused whatever the
   * subPath spelling, because the store's claims are the admin's (storage.storeClaims).
   */
  static List<String> storeClaimUse(StorageResolver.Roots roots, String dataField, String userField, OperatorConfig config) {
    List<String> problems = new ArrayList<>();
    StorageRoot[] writable = {roots.data(), roots.user()};
    String[] fields = {dataField, userField};
    for (int i = 0; i < writable.length; i++) {
      StorageRoot root = writable[i];
      if (root.claimName() == null) {
        continue;
      }
      for (String store : config.storage.allStoreClaims()) {
        int slash = store.indexOf('/');
        String claim = slash < 0 ? store : store.substring(0, slash);
        String base = slash < 0 ? "" : String.join("/", store.substring(slash + 1).split("/+"));
        if (claim.equals(root.claimName()) && overlap(base, root.basePath())) {
          problems.add(fields[i] + ": claim '" + root.claimName() + "' at '" + display(root.basePath()) + "' holds the model store ('" + store
              + "' in storage.storeClaims or storage.models), which is never writable; use the claim the admin gives this role");
        }
      }
    }
    return problems;
  }

  /**
   * A claim the admin configured for a role (storage.models/data/user) is that role's: another
   * role may not use it, and the role itself only with the configured subPath. Otherwise an author
   * could mount the share's read-only input as data, or, where the claim holds several roles side
   * by side, a folder an app turned into a symbolic link (kubelet follows links that stay inside
   * the volume) into the store or another team's data.
   */
  static List<String> adminClaimUse(StorageResolver.Roots roots, String[] fields, OperatorConfig config) {
    List<String> problems = new ArrayList<>();
    StorageRoot[] mine = {roots.models(), roots.data(), roots.user()};
    for (int i = 0; i < ROLES.size(); i++) {
      StorageRoot root = mine[i];
      if (root.claimName() == null || !fields[i].startsWith("spec.")) {
        continue;
      }
      for (String role : ROLES) {
        VolumeRef configured = defaultOf(config, role);
        if (configured == null || configured.claimName == null || !configured.claimName.equals(root.claimName())) {
          continue;
        }
        String base = configured.subPath == null ? "" : String.join("/", configured.subPath.split("/+")).replaceAll("^/|/$", "");
        if (!role.equals(ROLES.get(i)) || !base.equalsIgnoreCase(root.basePath())) {
          problems.add(fields[i] + ": claim '" + root.claimName() + "' is the admin's " + role + " storage (storage." + role + ": subPath '"
              + display(base) + "'); as " + ROLES.get(i) + " storage at '" + display(root.basePath()) + "' it would reach folders"
              + " that are not this app's: leave spec.storage." + ROLES.get(i) + " out, or use a claim of your own");
        }
      }
    }
    return problems;
  }

  /**
   * Whether two folders of one volume overlap. Case is ignored: on an SMB share (and most NAS
   * exports to Windows clients) Models and models are the same folder.
   */
  private static boolean overlap(String a, String b) {
    String x = a.toLowerCase(java.util.Locale.ROOT);
    String y = b.toLowerCase(java.util.Locale.ROOT);
    return x.isEmpty() || y.isEmpty() || x.equals(y) || x.startsWith(y + "/") || y.startsWith(x + "/");
  }

  private static String display(String base) {
    return base.isEmpty() ? "/" : base;
  }

  private static VolumeRef defaultOf(OperatorConfig config, String role) {
    return switch (role) {
      case "models" -> config.storage.models;
      case "data" -> config.storage.data;
      default -> config.storage.user;
    };
  }
}
