package de.dhoch3.aiservices.inbox;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * In-app downloads, shared (opt in per AIService): a settled file in one of an app's own model
 * folders goes through the inbox's checks into the same path of the store, and the app's copy is
 * replaced by a link to the store's file (where the app sees the store), so every app finds it.
 * A refused file stays the app's own, with a hidden {@code .<file>.not-shared.txt} saying why
 * (looked at again only when the file changes). The app's folders are the app's to write: links are
 * never followed, and every folder from the data root down must be a real folder, so a link an app
 * planted cannot make this pod read or replace another service's files.
 */
final class AppDownloads {
  static final String NOT_SHARED = ".not-shared.txt";
  private final Inbox inbox;
  private final Inbox.AppFolder folder;

  AppDownloads(Inbox inbox, Inbox.AppFolder folder) {
    this.inbox = inbox;
    this.folder = folder;
  }

  void share() throws IOException {
    Path serviceRoot = inbox.appData.resolve(folder.service());
    Path dir = serviceRoot.resolve(folder.folder());
    if (!realFolders(inbox.appData, dir)) {
      return; // not there yet (the app makes it at its start), or a link: nothing to share
    }
    List<Path> found = new ArrayList<>();
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attributes) {
        return !d.equals(dir) && Inbox.ignored(d.getFileName().toString()) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        // links (the app's own into the store, or ours) and temporaries are never shared
        if (attributes.isRegularFile() && !Inbox.ignored(file.getFileName().toString())) {
          found.add(file);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        return FileVisitResult.CONTINUE;
      }
    });
    found.sort(null);
    for (Path file : found) {
      try {
        shareFile(serviceRoot, dir, file);
      } catch (IOException e) {
        inbox.waiting++;
        inbox.log.println("kept for the next run: " + shown(dir, file) + " (" + e.getMessage() + ")");
      } catch (RuntimeException e) {
        refuse(dir, file, "The file could not be checked (" + e.getClass().getSimpleName() + "): it is not shared.");
      }
    }
  }

  private void shareFile(Path serviceRoot, Path dir, Path file) throws IOException {
    Path sub = dir.relativize(file);
    String name = file.getFileName().toString();
    for (Path segment : sub) {
      if (segment.toString().chars().anyMatch(c -> c < 0x20 || c == 0x7f) || segment.toString().length() > 200) {
        return; // no name the store takes; the app keeps it
      }
    }
    Inbox.Snapshot before = Inbox.Snapshot.of(file);
    Path marker = file.resolveSibling("." + name + NOT_SHARED);
    if (Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)
        && !before.changed().isAfter(Files.getLastModifiedTime(marker, LinkOption.NOFOLLOW_LINKS).toInstant())) {
      return; // refused before and unchanged since
    }
    if (Duration.between(before.changed(), inbox.clock.instant()).compareTo(inbox.settle) < 0) {
      inbox.waiting++;
      return; // the app is still downloading it
    }
    if (!stillUnder(file, serviceRoot)) {
      return;
    }
    Path relative = Path.of(folder.category()).resolve(sub.toString());
    Inbox.Into into = inbox.intoStore(file, relative, name, before);
    switch (into.kind()) {
      case MOVED, DUPLICATE -> {
        if (!replaceByLink(serviceRoot, file, before, relative)) {
          inbox.waiting++;
          inbox.log.println("changed after it was copied, kept for the next run: " + shown(dir, file));
          return;
        }
        inbox.moved++;
        inbox.files.add(new Inbox.Moved(folder.category(), sub.toString(), into.size(), into.sha256(), into.kind() == Inbox.Kind.DUPLICATE,
            folder.service()));
        inbox.log.println("shared " + shown(dir, file) + " as the store's " + relative + " (" + into.size() + " bytes, sha256 "
            + into.sha256() + ")");
      }
      case REFUSED -> refuse(dir, file, into.reason());
      case WAITING -> {
        inbox.waiting++;
        inbox.log.println(into.reason() + ": " + shown(dir, file));
      }
    }
  }

  /** The app's copy becomes a link to the store's file, in one rename: the app never sees the name missing. */
  private boolean replaceByLink(Path serviceRoot, Path file, Inbox.Snapshot before, Path relative) throws IOException {
    Path link = file.resolveSibling("." + file.getFileName() + ".inbox-link");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, Path.of(folder.storeInApp()).resolve(relative.toString()));
    if (!before.equals(Inbox.Snapshot.ofOrNull(file)) || !stillUnder(file, serviceRoot)) {
      Files.deleteIfExists(link);
      return false;
    }
    try {
      Files.move(link, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      Files.deleteIfExists(link);
      throw e;
    }
    return true;
  }

  private void refuse(Path dir, Path file, String reason) throws IOException {
    Path marker = file.resolveSibling("." + file.getFileName() + NOT_SHARED);
    // a link the app put under that name is replaced, never followed
    Files.deleteIfExists(marker);
    try (OutputStream out = Files.newOutputStream(marker, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      out.write((reason + System.lineSeparator()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    inbox.rejected++;
    inbox.log.println("not shared " + shown(dir, file) + ": " + reason);
  }

  /** Every folder from {@code root} down to {@code dir} is a real folder, not a link. */
  static boolean realFolders(Path root, Path dir) {
    Path at = root;
    for (Path segment : root.relativize(dir)) {
      at = at.resolve(segment.toString());
      if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
    }
    return true;
  }

  /** The file's folder still resolves below the service's own folder (no folder on the way was swapped for a link). */
  private static boolean stillUnder(Path file, Path serviceRoot) throws IOException {
    return file.getParent().toRealPath().startsWith(serviceRoot.toRealPath());
  }

  private String shown(Path dir, Path file) {
    return folder.service() + "/" + folder.folder() + "/" + dir.relativize(file);
  }
}
