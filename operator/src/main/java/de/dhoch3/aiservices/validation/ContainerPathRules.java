package de.dhoch3.aiservices.validation;

import java.util.ArrayList;
import java.util.List;

/**
 * Paths inside the container that a spec may name (mount targets, container.*Path): absolute,
 * normalised, and never a system folder whose replacement would break the container or expose
 * the node (the root, /proc, /sys, /dev, /etc, /run, /usr, /bin, /sbin, /lib*, /boot, the
 * service-account token). Pure.
 */
public final class ContainerPathRules {
  static final List<String> FORBIDDEN = List.of("/proc", "/sys", "/dev", "/etc", "/run", "/var/run", "/usr", "/bin", "/sbin",
      "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/var/run/secrets/kubernetes.io/serviceaccount");

  private ContainerPathRules() {}

  /** The normalised path, or a problem added and null. */
  public static String check(String field, String path, List<SpecProblem> problems) {
    if (path == null || !path.startsWith("/")) {
      problems.add(new SpecProblem(field, "'" + path + "' must be an absolute path in the container, e.g. /data"));
      return null;
    }
    List<String> parts = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        problems.add(new SpecProblem(field, "'" + path + "' contains '..'; name the folder directly"));
        return null;
      }
      parts.add(segment);
    }
    String normalised = "/" + String.join("/", parts);
    if (normalised.equals("/")) {
      problems.add(new SpecProblem(field, "'/' would replace the whole container file system; name a folder such as /data"));
      return null;
    }
    for (String system : FORBIDDEN) {
      if (normalised.equals(system) || normalised.startsWith(system + "/")) {
        problems.add(new SpecProblem(field, "'" + normalised + "' is inside " + system + ", a system folder of the container;"
            + " mounting there breaks the image or exposes the node: choose a folder such as /data or /opt/app"));
        return null;
      }
    }
    return normalised;
  }

  /**
   * The store mount and the app's other folders (writable data, outputs, workflows, and the input
   * share) never lie in one another: a folder mounted inside the read-only store needs a mount point
   * created in the store, and the store inside a writable folder is chowned by entrypoints such as
   * InvokeAI's. The problem names the field the spec set (the catalog's own paths never nest).
   */
  public static List<SpecProblem> storeApart(String models, java.util.Map<String, String> pathByField) {
    List<SpecProblem> problems = new ArrayList<>();
    if (models == null) {
      return problems;
    }
    pathByField.forEach((field, path) -> {
      if (path != null && nested(path, models)) {
        // a catalog path nests only when the spec moved the store onto it
        String named = field.startsWith("spec.") ? field : "spec.container.modelsPath";
        problems.add(new SpecProblem(named, "'" + path + "' and the read-only store mount '" + models
            + "' are the same or nested: the store must stay read-only and apart; choose a folder outside " + models));
      }
    });
    return problems;
  }

  /** True when one path is the other or lies inside it (both normalised). */
  public static boolean nested(String a, String b) {
    return a.equals(b) || a.startsWith(b + "/") || b.startsWith(a + "/");
  }
}
