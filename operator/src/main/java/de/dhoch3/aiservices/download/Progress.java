package de.dhoch3.aiservices.download;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Bytes done and total, written as {"bytes":N,"total":T} (total -1 when unknown) to the progress
 * file at most once a second, and logged every 5 seconds as {@code progress <done>/<total>} (total 0
 * when unknown): the operator reads the pod's last such line into the AIModel's status. The file is
 * replaced atomically, so a reader never sees half a line; failing to write it never fails the download.
 */
final class Progress {
  private static final long WRITE_EVERY = 1_000_000_000L;
  private static final long LOG_EVERY = 5_000_000_000L;

  private final Path file;
  private final String name;
  private final PrintWriter log;
  private long lastWrite;
  private long lastLog;
  private boolean warned;

  Progress(Path file, String name, PrintWriter log) {
    this.file = file;
    this.name = name;
    this.log = log;
    this.lastWrite = System.nanoTime() - WRITE_EVERY;
    this.lastLog = System.nanoTime();
  }

  void update(long bytes, long total) {
    long now = System.nanoTime();
    if (now - lastWrite >= WRITE_EVERY) {
      write(bytes, total);
      lastWrite = now;
    }
    if (now - lastLog >= LOG_EVERY) {
      log.printf("progress %d/%d %s%s%n", bytes, Math.max(total, 0), name, total > 0 ? " (" + (bytes * 100 / total) + "%)" : "");
      log.flush();
      lastLog = now;
    }
  }

  void write(long bytes, long total) {
    if (file == null) {
      return;
    }
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, "{\"bytes\":" + bytes + ",\"total\":" + total + "}\n");
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      if (!warned) {
        log.println("warning: could not write progress to " + file + ": " + e);
        log.flush();
        warned = true;
      }
    }
  }
}
