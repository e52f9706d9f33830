package de.dhoch3.aiservices.inbox;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Opt-in cleaning of old outputs: files of output/<service>/ not modified for the AIService's
 * retention move into output/.trash/<service>/ (same sub-path), where the artists can still take
 * them back; after the grace period they are deleted. Links are not followed; a dry run only says
 * what it would do.
 */
final class OutputRetention {
  static final String TRASH = ".trash";

  record Result(int retired, int deleted) {}

  private OutputRetention() {}

  static Result apply(Path outputs, Map<String, Integer> retentionDays, Duration grace, boolean dryRun, Clock clock, PrintWriter log)
      throws IOException {
    int retired = 0;
    int deleted = 0;
    Instant now = clock.instant();
    for (Map.Entry<String, Integer> service : retentionDays.entrySet()) {
      Path folder = outputs.resolve(service.getKey());
      // real folders: a link a share user put at .trash or .trash/<service> would make the purge delete elsewhere
      Path trash = dryRun ? outputs.resolve(TRASH).resolve(service.getKey()) : Inbox.realDirectories(outputs, Path.of(TRASH, service.getKey()));
      Instant before = now.minus(Duration.ofDays(service.getValue()));
      // first the trash (moving a file changes its change time: that is when it went in), so what this run retires waits its grace
      Instant purgeBefore = now.minus(grace);
      for (Path file : files(trash)) {
        if (changed(file).isBefore(purgeBefore)) {
          if (dryRun) {
            log.println("would delete " + TRASH + "/" + service.getKey() + "/" + trash.relativize(file));
          } else {
            Files.delete(file);
            log.println("deleted " + TRASH + "/" + service.getKey() + "/" + trash.relativize(file));
          }
          deleted++;
        }
      }
      for (Path file : files(folder)) {
        // the later of modification and change time: a file taken back from .trash (which keeps its old
        // modification time over SMB) counts from the moment it came back
        Instant touched = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
        if (changed(file).isAfter(touched)) {
          touched = changed(file);
        }
        if (touched.isBefore(before)) {
          Path relative = folder.relativize(file);
          if (dryRun) {
            log.println("would retire output " + service.getKey() + "/" + relative);
          } else {
            Path target = Inbox.realDirectories(outputs, Path.of(TRASH, service.getKey()).resolve(relative.toString()).getParent())
                .resolve(relative.getFileName().toString());
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
              target = target.resolveSibling(now.toEpochMilli() + "-" + target.getFileName());
            }
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            log.println("retired output " + service.getKey() + "/" + relative + " to " + TRASH + "/" + service.getKey() + "/");
          }
          retired++;
        }
      }
    }
    return new Result(retired, deleted);
  }

  /** The regular files below a folder (none if it is missing or a link), without following links. */
  private static List<Path> files(Path folder) throws IOException {
    List<Path> found = new ArrayList<>();
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      return found;
    }
    Files.walkFileTree(folder, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        if (attributes.isRegularFile()) {
          found.add(file);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    found.sort(null);
    return found;
  }

  private static Instant changed(Path file) throws IOException {
    try {
      return ((FileTime) Files.getAttribute(file, "unix:ctime", LinkOption.NOFOLLOW_LINKS)).toInstant();
    } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
      return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
    }
  }
}
