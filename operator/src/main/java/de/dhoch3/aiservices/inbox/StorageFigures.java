package de.dhoch3.aiservices.inbox;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How full the storage is, measured by the inbox's Job on its schedule (never by the operator's
 * pod walking the share): bytes per top-level folder of each area, the store per category, the
 * apps' data per service folder, the outputs per service. Links are not followed; a folder that
 * changes while it is measured is counted as found.
 */
public final class StorageFigures {
  private StorageFigures() {}

  /** Area name to folder name to bytes; an area whose folder is null is left out. */
  public static Map<String, Map<String, Long>> measure(Map<String, Path> areas) throws IOException {
    Map<String, Map<String, Long>> figures = new TreeMap<>();
    for (Map.Entry<String, Path> area : areas.entrySet()) {
      if (area.getValue() == null || !Files.isDirectory(area.getValue())) {
        continue;
      }
      Map<String, Long> folders = new TreeMap<>();
      try (var children = Files.list(area.getValue())) {
        for (Path child : children.toList()) {
          String name = child.getFileName().toString();
          if (!name.startsWith(".") && Files.isDirectory(child, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            folders.put(name, bytes(child));
          }
        }
      }
      figures.put(area.getKey(), folders);
    }
    return figures;
  }

  static long bytes(Path folder) throws IOException {
    AtomicLong total = new AtomicLong();
    Files.walkFileTree(folder, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        if (attributes.isRegularFile()) {
          total.addAndGet(attributes.size());
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException gone) {
        return FileVisitResult.CONTINUE; // removed while walking: not counted
      }
    });
    return total.get();
  }
}
