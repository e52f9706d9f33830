package de.dhoch3.aiservices.inbox;

import de.dhoch3.aiservices.download.StoreFile;
import de.dhoch3.aiservices.models.ModelJobs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The model inbox: files dropped into {@code uploads/<category>/...} (the SMB share's
 * models-upload folder) move into the same path of the store once they have stopped changing,
 * after the model file checks; refused ones go to {@code uploads/_rejected/} with a one-sentence
 * {@code .reason.txt}. The only writer of the store besides AIModel downloads: never overwrites a
 * store file (same content: a duplicate, the upload goes; different content: refused), never
 * moves a file that is still being written, and leaves both folders consistent when a run stops
 * half-way (a copy is published under its final name only when complete, and the upload removed
 * only after that).
 */
public final class Inbox {
  public static final String REJECTED = "_rejected";
  static final String LOCK = ".inbox.lock";
  /** Copies being checked, hidden at the store's root (no app lists it): published into their folder by a hard link. */
  static final String TMP = ".inbox-tmp";

  /** Copies an upload into the store while hashing it; tests replace it to fail half-way (a full disk). */
  interface Copier {
    void copy(InputStream from, OutputStream to, MessageDigest digest) throws IOException;
  }

  /** A file now in the store; {@code app} names the service folder whose app downloaded it (null: an upload). */
  public record Moved(String category, String path, long size, String sha256, boolean duplicate,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String app) {}

  public record Summary(int moved, int rejected, int waiting, List<Moved> files, boolean busy) {
    public String line() {
      return "moved " + moved + ", rejected " + rejected + ", waiting " + waiting;
    }
  }

  private final Path uploads;
  final Path store;
  private final Set<String> categories;
  final Duration settle;
  private final boolean refusePickle;
  final Clock clock;
  final PrintWriter log;
  private final Copier copier;
  volatile int moved;
  volatile int rejected;
  volatile int waiting;
  final List<Moved> files = java.util.Collections.synchronizedList(new ArrayList<>());
  Path appData;
  private Duration appDeadline = Duration.ofMinutes(30);
  /** Files per app folder and run (tests lower it). */
  int appMaxFiles = AppDownloads.MAX_FILES;
  private List<AppFolder> appFolders = List.of();

  /**
   * An app's own model folder whose downloads are shared: {@code folder} below the service's data
   * folder {@code service} holds files of the store's {@code category}; the app sees the store at
   * {@code storeInApp}, where the link that replaces its copy points.
   */
  public record AppFolder(String service, String folder, String category, String storeInApp) {}

  Inbox(Path uploads, Path store, Set<String> categories, Duration settle, boolean refusePickle, Clock clock, PrintWriter log, Copier copier) {
    this.uploads = uploads;
    this.store = store;
    this.categories = categories;
    this.settle = settle;
    this.refusePickle = refusePickle;
    this.clock = clock;
    this.log = log;
    this.copier = copier;
  }

  public Inbox(Path uploads, Path store, Set<String> categories, Duration settle, boolean refusePickle, PrintWriter log) {
    this(uploads, store, categories, settle, refusePickle, Clock.systemUTC(), log, Inbox::copyHashing);
  }

  /** Also shares what the apps downloaded into these folders of theirs, below {@code appData} (the data root). */
  public Inbox sharingAppDownloads(Path appData, List<AppFolder> appFolders) {
    return sharingAppDownloads(appData, appFolders, Duration.ofMinutes(30));
  }

  /** As above, stopping after {@code deadline} (the rest next run). */
  public Inbox sharingAppDownloads(Path appData, List<AppFolder> appFolders, Duration deadline) {
    this.appDeadline = deadline;
    this.appData = appData;
    this.appFolders = List.copyOf(appFolders);
    return this;
  }

  /** One pass over the inbox; a second run at the same time does nothing and says so. */
  public Summary run() throws IOException {
    Files.createDirectories(uploads.resolve(REJECTED));
    for (String category : categories) {
      Files.createDirectories(uploads.resolve(category));
    }
    try (FileChannel lockFile = FileChannel.open(store.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock = tryLock(lockFile);
      if (lock == null) {
        log.println("another inbox run is moving files: nothing done");
        return new Summary(0, 0, countUploads(), List.of(), true);
      }
      try (lock) {
        pass();
      }
    }
    return new Summary(moved, rejected, waiting, List.copyOf(files), false);
  }

  /** Null when another run holds it (another process, or another run in this JVM). */
  private static FileLock tryLock(FileChannel lockFile) throws IOException {
    try {
      return lockFile.tryLock();
    } catch (OverlappingFileLockException inThisProcess) {
      return null;
    }
  }

  private void pass() throws IOException {
    List<Path> found = new ArrayList<>();
    Files.walkFileTree(uploads, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
        boolean top = dir.equals(uploads);
        return !top && (ignored(dir.getFileName().toString()) || dir.equals(uploads.resolve(REJECTED)))
            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        if (!ignored(file.getFileName().toString())) {
          found.add(file);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    found.sort(null);
    for (Path upload : found) {
      try {
        take(upload);
      } catch (IOException e) {
        waiting++;
        log.println("kept for the next run: " + uploads.relativize(upload) + " (" + e.getMessage() + ")");
      } catch (RuntimeException e) {
        // whatever in a file makes the checks fail: the file is refused, the run goes on with the others
        Files.deleteIfExists(store.resolve(TMP).resolve(tmpName(uploads.relativize(upload))));
        reject(upload, "The file could not be checked (" + e.getClass().getSimpleName() + "): it is not taken.");
      }
    }
    if (!appFolders.isEmpty()) {
      shareAppDownloads();
    }
  }

  /**
   * The apps' folders, in a thread of their own with a deadline: an app can make one open block
   * (a FIFO renamed over a file in the instant between look and open), which must not cost this
   * run the records of what it did.
   */
  private void shareAppDownloads() {
    Thread worker = new Thread(() -> {
      for (AppFolder folder : appFolders) {
        try {
          new AppDownloads(this, folder, appMaxFiles).share();
        } catch (IOException e) {
          log.println("not shared from " + folder.service() + "/" + folder.folder() + ": " + e.getMessage());
        }
      }
    }, "inbox-app-downloads");
    worker.setDaemon(true);
    worker.start();
    try {
      worker.join(appDeadline.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      log.println("sharing the apps' downloads stopped after " + appDeadline.toSeconds() + " s (a file could not be read); the rest next run");
    }
  }

  private void take(Path upload) throws IOException {
    Path relative = uploads.relativize(upload);
    if (Files.isSymbolicLink(upload)) {
      reject(upload, "Links are not taken: copy the model file itself into the folder.");
      return;
    }
    if (!Files.isRegularFile(upload, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (relative.getNameCount() < 2) {
      reject(upload, "Files directly in models-upload are not taken: drop it into the folder of its kind (" + String.join(", ",
          new java.util.TreeSet<>(categories)) + ").");
      return;
    }
    String category = relative.getName(0).toString();
    if (!categories.contains(category)) {
      reject(upload, "'" + category + "' is no model category of the store: use one of " + String.join(", ", new java.util.TreeSet<>(categories)) + ".");
      return;
    }
    String name = upload.getFileName().toString();
    for (Path segment : relative) {
      if (segment.toString().chars().anyMatch(c -> c < 0x20 || c == 0x7f) || segment.toString().length() > 200) {
        reject(upload, "A file or folder name has control characters or is longer than 200 characters: rename it.");
        return;
      }
    }
    Snapshot before = Snapshot.of(upload);
    if (Duration.between(before.changed(), clock.instant()).compareTo(settle) < 0) {
      waiting++;
      return; // still being written (or just finished): the next run takes it
    }
    Into into = intoStore(() -> Files.newInputStream(upload, LinkOption.NOFOLLOW_LINKS), () -> Snapshot.ofOrNull(upload), relative, name, before);
    switch (into.kind()) {
      case MOVED, DUPLICATE -> {
        Files.deleteIfExists(upload);
        moved++;
        files.add(new Moved(category, relative.subpath(1, relative.getNameCount()).toString(), into.size(), into.sha256(),
            into.kind() == Kind.DUPLICATE, null));
        log.println((into.kind() == Kind.DUPLICATE ? "duplicate of the store's " + relative + ": upload removed"
            : "moved " + relative + " (" + into.size() + " bytes, sha256 " + into.sha256() + ")"));
      }
      case REFUSED -> reject(upload, into.reason());
      case WAITING -> {
        waiting++;
        log.println(into.reason() + ": " + relative);
      }
    }
  }

  enum Kind { MOVED, DUPLICATE, REFUSED, WAITING }

  /** What became of a file offered to the store. */
  record Into(Kind kind, long size, String sha256, String reason) {}

  /** Opens the file being offered, once; the uploads open it by path, the apps' folders through their folder's handle. */
  interface Opener {
    InputStream open() throws IOException;
  }

  /** Its snapshot now, or null when it is gone. */
  interface Snapshots {
    Snapshot now();
  }

  /**
   * Offers a settled file to the store at {@code relative} (category/...): the file is read once,
   * into a copy in the store's hidden folder, and everything is decided on that copy: checked, then
   * published under its final name, never over another file; the same content already there is a
   * duplicate, other content a refusal. The source itself is left alone: the caller removes or
   * replaces it.
   */
  Into intoStore(Opener source, Snapshots snapshots, Path relative, String name, Snapshot before) throws IOException {
    Path target = store.resolve(relative.toString());
    // the copy is what gets checked and published: what was checked is what the apps will load
    Path tmp = Files.createDirectories(store.resolve(TMP)).resolve(tmpName(relative));
    String sha256;
    try (InputStream in = source.open();
        FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
            LinkOption.NOFOLLOW_LINKS)) {
      MessageDigest digest = StoreFile.newDigest();
      copier.copy(in, java.nio.channels.Channels.newOutputStream(out), digest);
      out.force(true);
      sha256 = StoreFile.hex(digest);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    try {
      if (!before.equals(snapshots.now())) {
        return new Into(Kind.WAITING, 0, null, "changed while being moved, kept for the next run");
      }
      String refusal = ModelFileCheck.refusal(tmp, name, refusePickle);
      if (refusal != null) {
        return new Into(Kind.REFUSED, 0, null, refusal);
      }
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        return Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && sha256.equals(StoreFile.sha256(target))
            ? new Into(Kind.DUPLICATE, before.size(), sha256, null)
            : new Into(Kind.REFUSED, 0, null, "The store already has a different " + relative + ": rename your file to add it beside that one.");
      }
      Files.createDirectories(target.getParent());
      if (!StoreFile.publish(tmp, target)) {
        return new Into(Kind.WAITING, 0, null, "a file of that name appeared in the store meanwhile, looked at again next run");
      }
      return new Into(Kind.MOVED, before.size(), sha256, null);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void reject(Path upload, String reason) throws IOException {
    Path relative = uploads.relativize(upload);
    Path destination = realDirectories(uploads, Path.of(REJECTED).resolve(relative.toString()).getParent()).resolve(relative.getFileName().toString());
    if (Files.exists(destination, LinkOption.NOFOLLOW_LINKS)) {
      destination = destination.resolveSibling(clock.instant().toEpochMilli() + "-" + destination.getFileName());
    }
    Files.move(upload, destination, StandardCopyOption.ATOMIC_MOVE);
    // a link a share user planted under that name is replaced, never followed (it could point into the store)
    Path reasonFile = destination.resolveSibling(destination.getFileName() + ".reason.txt");
    Files.deleteIfExists(reasonFile);
    try (OutputStream out = Files.newOutputStream(reasonFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      out.write((reason + System.lineSeparator()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    rejected++;
    log.println("rejected " + relative + ": " + reason);
  }

  private int countUploads() throws IOException {
    try (var walk = Files.walk(uploads)) {
      return (int) walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .filter(p -> !uploads.relativize(p).startsWith(REJECTED))
          .filter(p -> !ignored(p.getFileName().toString())).count();
    }
  }

  /** The temporary name of an upload's copy: one per upload path, so a run that died leaves nothing the next one does not reuse. */
  private static String tmpName(Path relative) {
    return ModelJobs.sha256(relative.toString()) + ".part";
  }

  /**
   * {@code root/relative} as real directories: a symbolic link a share user put in their place (SMB
   * clients can, with mfsymlinks) is removed, not followed, so nothing written below lands elsewhere.
   */
  static Path realDirectories(Path root, Path relative) throws IOException {
    Path dir = root;
    for (Path segment : relative) {
      dir = dir.resolve(segment.toString());
      if (Files.isSymbolicLink(dir)) {
        Files.delete(dir);
      }
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(dir);
      } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(root.relativize(dir) + " is a file where a folder belongs");
      }
    }
    return dir;
  }

  /**
   * Names that are no upload: hidden files and folders (.DS_Store, macOS ._ resource forks, Samba's
   * .smbdelete*), Office and browser temporaries, Windows' Thumbs.db and desktop.ini, and partial
   * downloads; a copy in progress under such a name is taken once renamed.
   */
  static boolean ignored(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return name.startsWith(".") || name.startsWith("~$")
        || lower.equals("thumbs.db") || lower.equals("desktop.ini") || lower.endsWith(".tmp") || lower.endsWith(".part")
        || lower.endsWith(".partial") || lower.endsWith(".crdownload") || lower.endsWith(".download") || lower.endsWith(".reason.txt");
  }

  static void copyHashing(InputStream from, OutputStream to, MessageDigest digest) throws IOException {
    byte[] buffer = new byte[1 << 20];
    for (int n; (n = from.read(buffer)) >= 0; ) {
      digest.update(buffer, 0, n);
      to.write(buffer, 0, n);
    }
    to.flush();
  }

  /**
   * What says a file is unchanged: its identity (inode), size and change time. The change time
   * (ctime) moves on every write and cannot be set by a client, unlike the modification time, which
   * SMB and macOS copies set to the source's.
   */
  record Snapshot(Object key, long size, Instant changed) {
    static Snapshot of(Path file) throws IOException {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      FileTime changed;
      try {
        changed = (FileTime) Files.getAttribute(file, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
      } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
        changed = attributes.lastModifiedTime();
      }
      return new Snapshot(attributes.fileKey(), attributes.size(), changed.toInstant());
    }

    static Snapshot ofOrNull(Path file) {
      try {
        return of(file);
      } catch (IOException gone) {
        return null;
      }
    }
  }
}
