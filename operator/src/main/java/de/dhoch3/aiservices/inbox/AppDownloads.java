package de.dhoch3.aiservices.inbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * In-app downloads, shared (opt in per AIService): a settled file in one of an app's own model
 * folders goes through the inbox's checks into the same path of the store, and the app's copy is
 * replaced by a link to the store's file (where the app sees the store), so every app finds it.
 * A refused file stays the app's own, with a hidden {@code .<file>.not-shared.txt} saying why
 * (looked at again only when the file changes).
 *
 * <p>The app's folders are the app's to write, while this runs: it may swap a folder for a link at
 * any moment. So nothing here resolves a path below the service folder twice: each folder is
 * opened once, without following links, and the file is opened, inspected, replaced and noted
 * relative to that open folder (openat, fstatat, renameat through {@link SecureDirectoryStream}).
 * The link is made in a staging folder on the data root that no app mounts, then renamed into the
 * open folder. Only regular files are opened (a FIFO would block the run).
 */
final class AppDownloads {
  static final String NOT_SHARED = ".not-shared.txt";
  /** The inbox's own folder on the data root (no app mounts the root): links are made here, then renamed into place. */
  static final String STAGING = ".inbox-links";
  /** At most this many files per folder and run (the rest next run): a folder of millions cannot exhaust the pod's memory. */
  static final int MAX_FILES = 10_000;
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
  private final Inbox inbox;
  private final Inbox.AppFolder folder;
  private final int maxFiles;
  private int seen;

  AppDownloads(Inbox inbox, Inbox.AppFolder folder, int maxFiles) {
    this.inbox = inbox;
    this.folder = folder;
    this.maxFiles = maxFiles;
  }

  void share() throws IOException {
    Path serviceRoot = inbox.appData.resolve(folder.service());
    if (!Files.isDirectory(serviceRoot, NOFOLLOW)) {
      return;
    }
    Path staging = Inbox.realDirectories(inbox.appData, Path.of(STAGING));
    try (SecureDirectoryStream<Path> stagingDir = secure(Files.newDirectoryStream(staging));
        SecureDirectoryStream<Path> service = secure(Files.newDirectoryStream(serviceRoot))) {
      SecureDirectoryStream<Path> dir = service;
      List<SecureDirectoryStream<Path>> opened = new ArrayList<>();
      try {
        // every folder from the service folder down, opened without following a link
        for (Path segment : Path.of(folder.folder())) {
          dir = dir.newDirectoryStream(Path.of(segment.toString()), NOFOLLOW);
          opened.add(dir);
        }
      } catch (IOException notThereOrALink) {
        closeAll(opened);
        return; // not made yet (the app makes it at its start), or a link: nothing to share
      }
      try {
        walk(dir, Path.of(""), stagingDir);
      } finally {
        closeAll(opened);
      }
    }
  }

  private static SecureDirectoryStream<Path> secure(DirectoryStream<Path> stream) throws IOException {
    if (stream instanceof SecureDirectoryStream<Path> secure) {
      return secure;
    }
    stream.close();
    throw new IOException("this file system cannot open folders safely (no openat): in-app downloads are not shared");
  }

  private void walk(SecureDirectoryStream<Path> dir, Path sub, SecureDirectoryStream<Path> staging) throws IOException {
    List<String> names = new ArrayList<>();
    for (Path entry : dir) {
      names.add(entry.getFileName().toString());
    }
    names.sort(null);
    for (String name : names) {
      if (Inbox.ignored(name) || seen >= maxFiles) {
        continue; // hidden files (ours too), temporaries of downloads in progress
      }
      Path entry = Path.of(name);
      BasicFileAttributes attributes;
      try {
        attributes = dir.getFileAttributeView(entry, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
      } catch (IOException gone) {
        continue;
      }
      if (attributes.isDirectory()) {
        try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(entry, NOFOLLOW)) {
          walk(child, sub.resolve(name), staging);
        } catch (IOException swappedForALink) {
          // not followed
        }
      } else if (attributes.isRegularFile()) {
        seen++;
        Path shown = sub.resolve(name);
        try {
          shareFile(dir, name, shown, staging);
        } catch (IOException e) {
          inbox.waiting++;
          inbox.log.println("kept for the next run: " + shown(shown) + " (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
          refuse(dir, name, shown, "The file could not be checked (" + e.getClass().getSimpleName() + "): it is not shared.");
        }
      }
      // links (the app's own into the store, or ours), FIFOs, sockets, devices: never opened
    }
  }

  private void shareFile(SecureDirectoryStream<Path> dir, String name, Path sub, SecureDirectoryStream<Path> staging) throws IOException {
    for (Path segment : sub) {
      if (segment.toString().chars().anyMatch(c -> c < 0x20 || c == 0x7f) || segment.toString().length() > 200) {
        return; // no name the store takes; the app keeps it
      }
    }
    Inbox.Snapshot before = snapshot(dir, name);
    if (before == null) {
      return;
    }
    Inbox.Snapshot marker = snapshot(dir, "." + name + NOT_SHARED);
    if (marker != null && !before.changed().isAfter(marker.changed())) {
      return; // refused before and unchanged since
    }
    if (Duration.between(before.changed(), inbox.clock.instant()).compareTo(inbox.settle) < 0) {
      inbox.waiting++;
      return; // the app is still downloading it
    }
    Path relative = Path.of(folder.category()).resolve(sub.toString());
    Inbox.Into into = inbox.intoStore(() -> openRegular(dir, name, before), () -> snapshot(dir, name), relative, name, before);
    switch (into.kind()) {
      case MOVED, DUPLICATE -> {
        if (!replaceByLink(dir, name, before, relative, staging)) {
          inbox.waiting++;
          inbox.log.println("changed after it was copied, kept for the next run: " + shown(sub));
          return;
        }
        inbox.moved++;
        inbox.files.add(new Inbox.Moved(folder.category(), sub.toString(), into.size(), into.sha256(), into.kind() == Inbox.Kind.DUPLICATE,
            folder.service()));
        inbox.log.println("shared " + shown(sub) + " as the store's " + relative + " (" + into.size() + " bytes, sha256 " + into.sha256() + ")");
      }
      case REFUSED -> refuse(dir, name, sub, into.reason());
      case WAITING -> {
        inbox.waiting++;
        inbox.log.println(into.reason() + ": " + shown(sub));
      }
    }
  }

  /** Opens the entry of the open folder, never through a link, and only if it is still the regular file looked at. */
  private static java.io.InputStream openRegular(SecureDirectoryStream<Path> dir, String name, Inbox.Snapshot before) throws IOException {
    Inbox.Snapshot now = snapshot(dir, name);
    if (now == null || !now.key().equals(before.key())) {
      throw new IOException("replaced meanwhile");
    }
    // O_NOFOLLOW, relative to the open folder; the entry was a regular file an instant ago (a FIFO swapped in
    // now would block: the check above narrows it to this one call, and the app can only hurt its own folder's turn)
    SeekableByteChannel channel = dir.newByteChannel(Path.of(name), Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
    return Channels.newInputStream(channel);
  }

  /** The entry's identity, size and modification time, relative to the open folder; null when it is gone or no regular file. */
  private static Inbox.Snapshot snapshot(SecureDirectoryStream<Path> dir, String name) {
    try {
      BasicFileAttributes attributes = dir.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, NOFOLLOW).readAttributes();
      return attributes.isRegularFile()
          ? new Inbox.Snapshot(attributes.fileKey(), attributes.size(), attributes.lastModifiedTime().toInstant()) : null;
    } catch (IOException gone) {
      return null;
    }
  }

  /** The app's copy becomes a link to the store's file, in one rename into the open folder: the app never sees the name missing. */
  private boolean replaceByLink(SecureDirectoryStream<Path> dir, String name, Inbox.Snapshot before, Path relative,
      SecureDirectoryStream<Path> staging) throws IOException {
    String linkName = Long.toHexString(System.nanoTime()) + "-" + Math.abs(name.hashCode()) + ".link";
    Files.createSymbolicLink(inbox.appData.resolve(STAGING).resolve(linkName), Path.of(folder.storeInApp()).resolve(relative.toString()));
    try {
      if (!before.equals(snapshot(dir, name))) {
        return false;
      }
      staging.move(Path.of(linkName), dir, Path.of(name));
      return true;
    } finally {
      try {
        staging.deleteFile(Path.of(linkName));
      } catch (IOException movedAlready) {
        // renamed into place
      }
    }
  }

  private void refuse(SecureDirectoryStream<Path> dir, String name, Path sub, String reason) throws IOException {
    Path marker = Path.of("." + name + NOT_SHARED);
    // whatever the app put under that name (a link too) is removed, never written through
    try {
      dir.deleteFile(marker);
    } catch (java.nio.file.NoSuchFileException none) {
      // the usual case
    } catch (IOException aFolder) {
      dir.deleteDirectory(marker);
    }
    try (SeekableByteChannel out = dir.newByteChannel(marker,
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))) {
      out.write(ByteBuffer.wrap((reason + System.lineSeparator()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    inbox.rejected++;
    inbox.log.println("not shared " + shown(sub) + ": " + reason);
  }

  private static void closeAll(List<SecureDirectoryStream<Path>> opened) throws IOException {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private String shown(Path sub) {
    return folder.service() + "/" + folder.folder() + "/" + sub;
  }
}
