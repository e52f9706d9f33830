package de.dhoch3.aiservices.download;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** A file in one category folder of the model store: name checks, its part file, its sha256, publishing it. */
public final class StoreFile {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private StoreFile() {}

  /**
   * {@code dir/name} for a single path segment: not empty, no '/' or '\', not '.' or '..', not
   * hidden (so that it cannot be another file's part file), no control characters.
   */
  static Path resolve(Path dir, String name) {
    if (name == null || name.isEmpty() || name.length() > 200) {
      throw new IllegalArgumentException("--file must be a file name of 1 to 200 characters");
    }
    if (name.contains("/") || name.contains("\\") || name.startsWith(".") || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("--file must be a single file name (no '/', '\\', leading '.' or control characters): " + name);
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--dir is not a directory: " + dir);
    }
    return dir.resolve(name);
  }

  /** The temporary name in the same folder: {@code .<name>.part}. */
  static Path partOf(Path file) {
    return file.resolveSibling("." + file.getFileName() + ".part");
  }

  /** Lower-case hex, or an error naming the option; null stays null. */
  static String checkSha256(String hex) {
    if (hex == null) {
      return null;
    }
    String lower = hex.trim().toLowerCase(Locale.ROOT);
    if (!SHA256.matcher(lower).matches()) {
      throw new IllegalArgumentException("--sha256 must be 64 hexadecimal digits");
    }
    return lower;
  }

  static boolean exists(Path file) {
    return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
  }

  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Feeds the whole file into the digest. */
  static MessageDigest digest(Path file, MessageDigest digest) throws IOException {
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return digest;
  }

  public static String sha256(Path file) throws IOException {
    return hex(digest(file, newDigest()));
  }

  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Gives the complete temporary file {@code tmp} its final name {@code target} without ever
   * replacing a file there: a hard link fails when the name exists (link(2), unlike rename(2), never
   * replaces), then the temporary name goes. Returns false, and keeps {@code tmp}, when the name is
   * taken. Where the file system has no hard links (some SMB servers), a check and an atomic rename
   * are the fallback, with the small window between them.
   */
  public static boolean publish(Path tmp, Path target) throws IOException {
    try {
      Files.createLink(target, tmp);
    } catch (java.nio.file.FileAlreadyExistsException taken) {
      return false;
    } catch (UnsupportedOperationException | java.nio.file.FileSystemException noLinks) {
      if (exists(target)) {
        return false;
      }
      Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return true;
    }
    Files.delete(tmp);
    return true;
  }

}
