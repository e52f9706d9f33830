package de.dhoch3.aiservices.config;

import java.util.ArrayList;
import java.util.List;

/**
 * How a folder name is read, in one place for the configuration's checks and the storage rules
 * above it (SafePaths adds the field-naming messages). Pure.
 */
public final class Folders {
  private Folders() {}

  /** The folder names of a path, "." and empty ones (duplicate slashes) dropped; null when one is "..". */
  public static List<String> segments(String path) {
    List<String> parts = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (segment.equals("..")) {
        return null;
      }
      if (!segment.isEmpty() && !segment.equals(".")) {
        parts.add(segment);
      }
    }
    return parts;
  }

  /** True when {@code path} is {@code root} or lies below it (both normalised, absolute). */
  public static boolean isUnder(String path, String root) {
    String r = root.endsWith("/") && root.length() > 1 ? root.substring(0, root.length() - 1) : root;
    return r.equals("/") || path.equals(r) || path.startsWith(r + "/");
  }
}
