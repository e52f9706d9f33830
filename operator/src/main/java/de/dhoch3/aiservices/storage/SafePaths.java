package de.dhoch3.aiservices.storage;

import de.dhoch3.aiservices.config.Folders;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import java.util.List;

/** Path hygiene for everything that ends up as a hostPath or a subPath. Pure. */
public final class SafePaths {
  private SafePaths() {}

  /**
   * A relative folder inside a volume: collapses "." and duplicate slashes; refuses "..",
   * absolute paths and empty results, naming the field.
   */
  public static String relative(String field, String path) {
    if (path == null || path.isBlank()) {
      throw new InvalidSpecException(field, "must not be empty; give a folder relative to the volume, e.g. 'loras'");
    }
    if (path.startsWith("/")) {
      throw new InvalidSpecException(field, "'" + path + "' is absolute; give it relative to the volume root (without the leading '/')");
    }
    if (path.chars().anyMatch(Character::isISOControl)) {
      // a newline would end up in the prepare step's report as a line of its own
      throw new InvalidSpecException(field, "contains a control character (a line break, a tab); name the folder with printable characters");
    }
    String normalized = String.join("/", segments(field, path));
    if (normalized.isEmpty()) {
      throw new InvalidSpecException(field, "'" + path + "' names no folder; give a folder relative to the volume, e.g. 'loras'");
    }
    return normalized;
  }

  /** An absolute folder on a node: collapses "." and duplicate slashes, refuses "..". */
  public static String absolute(String field, String path) {
    if (path == null || !path.startsWith("/")) {
      throw new InvalidSpecException(field, "'" + path + "' must be an absolute folder on the node, e.g. /vol/service/cw/storage");
    }
    List<String> parts = segments(field, path);
    return "/" + String.join("/", parts);
  }

  /** Joins normalised relative parts, skipping empty ones. */
  public static String join(String... parts) {
    StringBuilder sb = new StringBuilder();
    for (String part : parts) {
      if (part == null || part.isEmpty()) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  private static List<String> segments(String field, String path) {
    List<String> parts = Folders.segments(path);
    if (parts == null) {
      throw new InvalidSpecException(field, "'" + path + "' contains '..'; paths may not leave their volume, name the folder directly");
    }
    return parts;
  }
}
