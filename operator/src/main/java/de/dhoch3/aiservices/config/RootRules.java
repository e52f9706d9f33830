package de.dhoch3.aiservices.config;

import de.dhoch3.aiservices.api.VolumeRef;
import java.util.ArrayList;
import java.util.List;

/**
 * The admin's storage roots: which host folders each role (models, data, user) may use, checked
 * when the configuration is read (an operator never starts with overlapping roles), and asked by
 * the storage rules for every hostPath. Kept here, with the configuration it checks, so that the
 * configuration depends on nothing above it. Each rule next to its message. Pure.
 */
public final class RootRules {
  public static final List<String> ROLES = List.of("models", "data", "user");

  private RootRules() {}

  /** Problems of the admin's configuration; normalises the roots it accepts. */
  static List<String> configProblems(OperatorConfig config) {
    List<String> problems = new ArrayList<>();
    OperatorConfig.Roots roots = config.storage.roots;
    for (String role : ROLES) {
      List<String> normalised = new ArrayList<>();
      for (String root : roots.of(role)) {
        String folder = absolute(root);
        if (folder == null) {
          problems.add("storage.roots." + role + ": '" + root + "' must be an absolute folder without '..'");
        } else if (folder.equals("/")) {
          problems.add("storage.roots." + role + ": '/' would hand out the whole node; name the studio's folder");
        } else {
          normalised.add(folder);
        }
      }
      roots.of(role).clear();
      roots.of(role).addAll(normalised);
    }
    for (int i = 0; i < ROLES.size(); i++) {
      for (int j = i + 1; j < ROLES.size(); j++) {
        for (String a : roots.of(ROLES.get(i))) {
          for (String b : roots.of(ROLES.get(j))) {
            if (Folders.isUnder(a, b) || Folders.isUnder(b, a)) {
              problems.add("storage.roots." + ROLES.get(i) + " '" + a + "' and storage.roots." + ROLES.get(j) + " '" + b
                  + "' overlap: the model store must never be writable and no app may reach another role's folders; give each role its own folder");
            }
          }
        }
      }
    }
    for (String role : ROLES) {
      VolumeRef ref = role.equals("models") ? config.storage.models : role.equals("data") ? config.storage.data : config.storage.user;
      if (ref != null && ref.hostPath != null) {
        String host = absolute(ref.hostPath);
        // a subPath is relative to its volume (Kubernetes refuses an absolute one in a volumeMount)
        String sub = ref.subPath == null ? "" : ref.subPath.startsWith("/") ? null : relative(ref.subPath);
        if (host == null || sub == null) {
          problems.add("storage." + role + ": '" + ref.hostPath + (ref.subPath == null ? "" : "' + '" + ref.subPath)
              + "' must be an absolute folder without '..' (and a relative subPath)");
          continue;
        }
        String problem = hostPathProblem(role, sub.isEmpty() ? host : host + "/" + sub, config);
        if (problem != null) {
          problems.add("storage." + role + ".hostPath: " + problem);
        }
      }
    }
    return problems;
  }

  /** Why a role may not use this (normalised) host folder, or null. */
  public static String hostPathProblem(String role, String hostPath, OperatorConfig config) {
    List<String> roots = config.storage.roots.of(role);
    if (role.equals("models")) {
      if (roots.stream().noneMatch(root -> Folders.isUnder(hostPath, root))) {
        return "'" + hostPath + "' is outside the model store roots " + roots
            + "; use a folder below one of them, or ask the admin to add it to storage.roots.models";
      }
      return null;
    }
    if (!roots.contains(hostPath)) {
      return "'" + hostPath + "' is not one of the " + role + " roots " + roots + ": an app's writable folder is <root>/<serviceDir>;"
          + " give the root here and the folder with spec.storage.serviceDir, or ask the admin to add a root to storage.roots." + role;
    }
    return null;
  }

  /** An absolute folder with "." and duplicate slashes collapsed, or null when it is not absolute or holds "..". */
  static String absolute(String path) {
    if (path == null || !path.startsWith("/")) {
      return null;
    }
    String relative = relative(path.substring(1).isEmpty() ? "." : path.substring(1));
    return relative == null ? null : "/" + relative;
  }

  private static String relative(String path) {
    List<String> parts = Folders.segments(path);
    return parts == null ? null : String.join("/", parts);
  }
}
