package de.dhoch3.aiservices.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inbox as a client and an attacker use it: files dropped into models-upload, half-written,
 * renamed while moving, refused, duplicated, on a full disk, by two runs at once. Each test checks
 * both folders afterwards: what is in the store, what is left in the uploads, what is in _rejected.
 */
class InboxTest {
  private static final Set<String> CATEGORIES = Set.of("checkpoints", "loras", "vae");
  /** Long after any file of the test was written: every file has settled. */
  private static final Clock LATER = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));

  @TempDir Path root;

  private Path uploads() throws IOException {
    return Files.createDirectories(root.resolve("storage-user/models-upload"));
  }

  private Path store() throws IOException {
    return Files.createDirectories(root.resolve("storage-models/models"));
  }

  /** What the last run printed (the Job's log). */
  private final StringWriter log = new StringWriter();

  private Inbox.Summary run(Clock clock, boolean refusePickle, Inbox.Copier copier) throws IOException {
    return new Inbox(uploads(), store(), CATEGORIES, Duration.ofSeconds(120), refusePickle, clock,
        new PrintWriter(log, true), copier).run();
  }

  private Inbox.Summary run() throws IOException {
    return run(LATER, false, Inbox::copyHashing);
  }

  /** A well-formed safetensors file (8-byte little-endian header length, JSON header, data) with one F16 tensor of 2 x 2. */
  static byte[] safetensors() {
    byte[] header = "{\"w\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},\"__metadata__\":{\"format\":\"pt\"}}"
        .getBytes(StandardCharsets.UTF_8);
    ByteBuffer file = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(header.length).put(header).put(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    return file.array();
  }

  private Path drop(String relative, byte[] content) throws IOException {
    Path file = uploads().resolve(relative);
    Files.createDirectories(file.getParent());
    return Files.write(file, content);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private List<String> filesUnder(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).filter(p -> !p.equals(Inbox.LOCK)).sorted().toList();
    }
  }

  @Test
  void aSettledModelMovesIntoTheSamePathOfTheStoreWithItsSubFolder() throws Exception {
    byte[] model = safetensors();
    drop("checkpoints/SDXL/juggernaut.safetensors", model);
    Inbox.Summary summary = run();
    assertThat(summary.line()).isEqualTo("moved 1, rejected 0, waiting 0");
    assertThat(Files.readAllBytes(store().resolve("checkpoints/SDXL/juggernaut.safetensors"))).isEqualTo(model);
    assertThat(filesUnder(uploads())).isEmpty();
    assertThat(filesUnder(store())).containsExactly("checkpoints/SDXL/juggernaut.safetensors");
    assertThat(summary.files()).singleElement().isEqualTo(
        new Inbox.Moved("checkpoints", "SDXL/juggernaut.safetensors", model.length, sha256(model), false, null));
    // every category has its folder on the share, and the refused ones theirs
    assertThat(uploads().resolve("loras")).isDirectory();
    assertThat(uploads().resolve("_rejected")).isDirectory();
  }

  @Test
  void aFileStillBeingCopiedWaitsUntilItHasStoppedChanging() throws Exception {
    drop("loras/style.safetensors", safetensors());
    Inbox.Summary now = run(Clock.systemUTC(), false, Inbox::copyHashing);
    assertThat(now.line()).isEqualTo("moved 0, rejected 0, waiting 1");
    assertThat(filesUnder(store())).isEmpty();
    assertThat(filesUnder(uploads())).containsExactly("loras/style.safetensors");
    assertThat(run().line()).isEqualTo("moved 1, rejected 0, waiting 0");
  }

  /** A copy that stopped half-way (the client disconnected) and stayed so: refused, never in the store. */
  @Test
  void aHalfWrittenFileIsRefusedAsIncomplete() throws Exception {
    byte[] whole = safetensors();
    drop("vae/half.safetensors", java.util.Arrays.copyOf(whole, whole.length - 5));
    assertThat(run().line()).isEqualTo("moved 0, rejected 1, waiting 0");
    assertThat(filesUnder(store())).isEmpty();
    assertThat(Files.readString(uploads().resolve("_rejected/vae/half.safetensors.reason.txt"))).contains("damaged or incomplete");
  }

  @Test
  void temporaryAndHiddenFilesOfClientsAreLeftAlone() throws Exception {
    for (String name : List.of(".DS_Store", "._juggernaut.safetensors", "~$notes.tmp", "model.safetensors.crdownload", "Thumbs.db",
        "desktop.ini", "model.safetensors.part")) {
      drop("checkpoints/" + name, new byte[] {1});
    }
    assertThat(run().line()).isEqualTo("moved 0, rejected 0, waiting 0");
    assertThat(filesUnder(uploads())).hasSize(7);
    assertThat(filesUnder(store())).isEmpty();
  }

  @Test
  void theSameFileAgainIsADuplicateADifferentOneIsRefusedAndTheStoreKeepsItsOwn() throws Exception {
    byte[] model = safetensors();
    Files.createDirectories(store().resolve("checkpoints"));
    Files.write(store().resolve("checkpoints/a.safetensors"), model);
    byte[] other = safetensors();
    other[other.length - 1] = 42;
    Files.write(store().resolve("checkpoints/b.safetensors"), model);
    drop("checkpoints/a.safetensors", model);
    drop("checkpoints/b.safetensors", other);
    Inbox.Summary summary = run();
    assertThat(summary.line()).isEqualTo("moved 1, rejected 1, waiting 0");
    assertThat(summary.files()).singleElement().extracting(Inbox.Moved::duplicate).isEqualTo(true);
    assertThat(log.toString()).contains("duplicate of the store's checkpoints/a.safetensors: upload removed");
    assertThat(Files.readAllBytes(store().resolve("checkpoints/b.safetensors"))).as("never overwritten").isEqualTo(model);
    assertThat(filesUnder(uploads())).containsExactly("_rejected/checkpoints/b.safetensors", "_rejected/checkpoints/b.safetensors.reason.txt");
    assertThat(Files.readString(uploads().resolve("_rejected/checkpoints/b.safetensors.reason.txt")))
        .isEqualTo("The store already has a different checkpoints/b.safetensors: rename your file to add it beside that one." + System.lineSeparator());
  }

  /** The client renames (or moves away) the file while the inbox copies it: nothing reaches the store, the file is where the client put it. */
  @Test
  void aFileRenamedDuringTheMoveStaysWithTheClient() throws Exception {
    Path upload = drop("checkpoints/model.safetensors", safetensors());
    Inbox.Summary summary = run(LATER, false, (from, to, digest) -> {
      Files.move(upload, upload.resolveSibling("renamed.safetensors"));
      Inbox.copyHashing(from, to, digest);
    });
    assertThat(summary.line()).isEqualTo("moved 0, rejected 0, waiting 1");
    assertThat(filesUnder(store())).as("no copy, no temporary file").isEmpty();
    assertThat(filesUnder(uploads())).containsExactly("checkpoints/renamed.safetensors");
    assertThat(log.toString()).contains("changed while being moved, kept for the next run: checkpoints/model.safetensors");
  }

  @Test
  void aFileWrittenToDuringTheMoveIsNotPublished() throws Exception {
    Path upload = drop("checkpoints/model.safetensors", safetensors());
    Inbox.Summary summary = run(LATER, false, (from, to, digest) -> {
      Inbox.copyHashing(from, to, digest);
      Files.write(upload, new byte[] {9}, StandardOpenOption.APPEND);
    });
    assertThat(summary.line()).isEqualTo("moved 0, rejected 0, waiting 1");
    assertThat(filesUnder(store())).isEmpty();
    assertThat(filesUnder(uploads())).containsExactly("checkpoints/model.safetensors");
  }

  @Test
  void aFullDiskLeavesNoPartialFileInTheStoreAndTheUploadInPlace() throws Exception {
    byte[] model = safetensors();
    drop("checkpoints/big.safetensors", model);
    Inbox.Summary summary = run(LATER, false, (from, to, digest) -> {
      to.write(from.readNBytes(10));
      throw new IOException("No space left on device");
    });
    assertThat(summary.line()).isEqualTo("moved 0, rejected 0, waiting 1");
    assertThat(filesUnder(store())).isEmpty();
    assertThat(Files.readAllBytes(uploads().resolve("checkpoints/big.safetensors"))).isEqualTo(model);
    assertThat(log.toString()).contains("kept for the next run: checkpoints/big.safetensors (No space left on device)");
    assertThat(run().line()).as("the next run, with space again").isEqualTo("moved 1, rejected 0, waiting 0");
  }

  @Test
  void twoRunsAtOnceNeverMoveTheSameFileTwice() throws Exception {
    drop("checkpoints/model.safetensors", safetensors());
    try (FileChannel channel = FileChannel.open(store().resolve(Inbox.LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        var held = channel.lock()) {
      Inbox.Summary second = run();
      assertThat(second.busy()).isTrue();
      assertThat(second.line()).isEqualTo("moved 0, rejected 0, waiting 1");
      assertThat(filesUnder(store())).isEmpty();
    }
    assertThat(run().line()).isEqualTo("moved 1, rejected 0, waiting 0");
  }

  @Test
  void picklesThatRunCodeAreRefusedTensorsOnlyOnesAreTaken() throws Exception {
    drop("checkpoints/evil.ckpt", PickleScanTest.OS_SYSTEM);
    drop("loras/state.pt", torchZip(PickleScanTest.TORCH_STATE_DICT));
    Inbox.Summary summary = run();
    assertThat(summary.line()).isEqualTo("moved 1, rejected 1, waiting 0");
    assertThat(filesUnder(store())).containsExactly("loras/state.pt");
    assertThat(Files.readString(uploads().resolve("_rejected/checkpoints/evil.ckpt.reason.txt")))
        .isEqualTo("Refused because it imports os.system, which loading would run (only tensors and plain data are taken)." + System.lineSeparator());
  }

  @Test
  void theAdminCanRefusePickleFilesAltogether() throws Exception {
    drop("loras/state.pt", torchZip(PickleScanTest.TORCH_STATE_DICT));
    assertThat(run(LATER, true, Inbox::copyHashing).line()).isEqualTo("moved 0, rejected 1, waiting 0");
    assertThat(Files.readString(uploads().resolve("_rejected/loras/state.pt.reason.txt"))).startsWith("Pickle-based model files");
  }

  @Test
  void otherFilesLinksUnknownCategoriesAndLooseFilesAreRefused() throws Exception {
    drop("checkpoints/setup.exe", new byte[] {'M', 'Z'});
    drop("workflows/flow.safetensors", safetensors());
    drop("loose.safetensors", safetensors());
    Files.createDirectories(store().resolve("vae"));
    Files.write(store().resolve("vae/own.safetensors"), safetensors());
    Files.createSymbolicLink(uploads().resolve("checkpoints/link.safetensors"), store().resolve("vae/own.safetensors"));
    assertThat(run().line()).isEqualTo("moved 0, rejected 4, waiting 0");
    assertThat(filesUnder(store())).containsExactly("vae/own.safetensors");
    assertThat(Files.readString(uploads().resolve("_rejected/workflows/flow.safetensors.reason.txt")))
        .startsWith("'workflows' is no model category of the store: use one of checkpoints, loras, vae.");
    assertThat(Files.readString(uploads().resolve("_rejected/loose.safetensors.reason.txt"))).startsWith("Files directly in models-upload are not taken");
    assertThat(Files.readString(uploads().resolve("_rejected/checkpoints/setup.exe.reason.txt"))).startsWith("Only model files are taken");
    assertThat(Files.isSymbolicLink(uploads().resolve("_rejected/checkpoints/link.safetensors"))).isTrue();
  }

  @Test
  void theCommandPrintsTheSummaryAsItsLastLine() throws Exception {
    drop("checkpoints/a.safetensors", safetensors());
    drop("checkpoints/b.txt", new byte[] {1});
    StringWriter out = new StringWriter();
    int exit = new picocli.CommandLine(new InboxCommand()).setOut(new PrintWriter(out))
        .execute("--uploads", uploads().toString(), "--store", store().toString(), "--settle-seconds", "0");
    assertThat(exit).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(lines.size() - 1)).isEqualTo("moved 1, rejected 1, waiting 0");
  }

  @Test
  void theLogSaysWhatHappenedToEachFile() throws Exception {
    byte[] model = safetensors();
    drop("checkpoints/a.safetensors", model);
    drop("checkpoints/b.exe", new byte[] {1});
    run();
    assertThat(log.toString().lines().toList()).containsExactly(
        "moved checkpoints/a.safetensors (" + model.length + " bytes, sha256 " + sha256(model) + ")",
        "rejected checkpoints/b.exe: Only model files are taken (.safetensors, or .ckpt, .pt, .pth, .bin): this one is a different type.");
  }

  /** The settle time to the millisecond: unchanged for exactly that long is taken, a millisecond less waits. */
  @Test
  void theSettleTimeIsTheBoundary() throws Exception {
    Path upload = drop("vae/x.safetensors", safetensors());
    java.time.Instant changed = Inbox.Snapshot.of(upload).changed();
    Clock early = Clock.fixed(changed.plus(Duration.ofSeconds(120)).minusMillis(1), java.time.ZoneOffset.UTC);
    assertThat(run(early, false, Inbox::copyHashing).line()).isEqualTo("moved 0, rejected 0, waiting 1");
    Clock settled = Clock.fixed(changed.plus(Duration.ofSeconds(120)), java.time.ZoneOffset.UTC);
    assertThat(run(settled, false, Inbox::copyHashing).line()).isEqualTo("moved 1, rejected 0, waiting 0");
  }

  @Test
  void namesWithControlCharactersOrOver200CharactersAreRefused() throws Exception {
    drop("loras/" + "n".repeat(188) + ".safetensors", safetensors()); // 200 characters: taken
    drop("loras/" + "l".repeat(189) + ".safetensors", safetensors()); // 201
    drop("loras/bell\u0007.safetensors", safetensors());
    drop("vae/my model (v2).safetensors", safetensors()); // spaces and brackets are fine
    assertThat(run().line()).isEqualTo("moved 2, rejected 2, waiting 0");
    assertThat(filesUnder(store())).containsExactly("loras/" + "n".repeat(188) + ".safetensors", "vae/my model (v2).safetensors");
    assertThat(log.toString()).contains("A file or folder name has control characters or is longer than 200 characters: rename it.");
  }

  /** Someone (a download) puts a file of the same name into the store while the inbox copies: theirs stays, the upload is refused as any other. */
  @Test
  void aStoreFileThatAppearsDuringTheMoveIsNeverReplaced() throws Exception {
    drop("checkpoints/model.safetensors", safetensors());
    byte[] theirs = {7, 7, 7};
    Inbox.Summary summary = run(LATER, false, (from, to, digest) -> {
      Inbox.copyHashing(from, to, digest);
      Files.createDirectories(store().resolve("checkpoints"));
      Files.write(store().resolve("checkpoints/model.safetensors"), theirs);
    });
    assertThat(summary.line()).isEqualTo("moved 0, rejected 1, waiting 0");
    assertThat(Files.readAllBytes(store().resolve("checkpoints/model.safetensors"))).isEqualTo(theirs);
    assertThat(filesUnder(store())).containsExactly("checkpoints/model.safetensors");
    assertThat(filesUnder(uploads())).containsExactly("_rejected/checkpoints/model.safetensors", "_rejected/checkpoints/model.safetensors.reason.txt");
  }

  /** While another run holds the lock, only real uploads count as waiting: not refused files, not client temporaries. */
  @Test
  void aBusyRunCountsOnlyRealUploads() throws Exception {
    drop("checkpoints/model.safetensors", safetensors());
    drop("checkpoints/.DS_Store", new byte[] {1});
    drop("_rejected/checkpoints/old.exe", new byte[] {1});
    try (FileChannel channel = FileChannel.open(store().resolve(Inbox.LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        var held = channel.lock()) {
      assertThat(run().line()).isEqualTo("moved 0, rejected 0, waiting 1");
      assertThat(log.toString()).contains("another inbox run is moving files: nothing done");
    }
  }

  /** A share user (SMB with mfsymlinks) plants links where refused files and reasons go: nothing is written through them. */
  @Test
  void linksPlantedInRejectedAreNeverFollowed() throws Exception {
    Files.createDirectories(store().resolve("checkpoints"));
    byte[] victim = safetensors();
    Files.write(store().resolve("checkpoints/victim.safetensors"), victim);
    Files.createDirectories(uploads().resolve("_rejected/checkpoints"));
    Files.createSymbolicLink(uploads().resolve("_rejected/checkpoints/foo.txt.reason.txt"), store().resolve("checkpoints/victim.safetensors"));
    Files.createSymbolicLink(uploads().resolve("_rejected/loras"), store().resolve("checkpoints"));
    drop("checkpoints/foo.txt", new byte[] {1});
    drop("loras/bar.exe", new byte[] {2});
    assertThat(run().line()).isEqualTo("moved 0, rejected 2, waiting 0");
    assertThat(Files.readAllBytes(store().resolve("checkpoints/victim.safetensors"))).isEqualTo(victim);
    assertThat(filesUnder(store())).containsExactly("checkpoints/victim.safetensors");
    assertThat(Files.isSymbolicLink(uploads().resolve("_rejected/loras"))).isFalse();
    assertThat(Files.readString(uploads().resolve("_rejected/checkpoints/foo.txt.reason.txt"))).startsWith("Only model files are taken");
    assertThat(uploads().resolve("_rejected/loras/bar.exe")).isRegularFile();
  }

  /**
   * Inputs that once stopped the whole run: a shape whose size overflows, text that is no pickle; and a memo
   * index with underscores, which Python's int() reads (a harmless pickle, taken). Each file gets its answer, the run goes on.
   */
  @Test
  void aFileThatBreaksTheChecksIsRefusedAndTheOthersStillMove() throws Exception {
    byte[] header = "{\"w\":{\"dtype\":\"F16\",\"shape\":[1099511627776,1099511627776,1099511627776],\"data_offsets\":[0,8]}}"
        .getBytes(StandardCharsets.UTF_8);
    drop("checkpoints/a-overflow.safetensors", java.nio.ByteBuffer.allocate(16 + header.length).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putLong(header.length).put(header).array());
    drop("checkpoints/b-memo.ckpt", "p1_0\n.".getBytes(StandardCharsets.US_ASCII));
    drop("checkpoints/c-text.ckpt", "plain text\n".getBytes(StandardCharsets.US_ASCII));
    drop("checkpoints/d-good.safetensors", safetensors());
    assertThat(run().line()).isEqualTo("moved 2, rejected 2, waiting 0");
    assertThat(filesUnder(store())).containsExactly("checkpoints/b-memo.ckpt", "checkpoints/d-good.safetensors");
  }

  @Test
  void controlCharactersInAFolderNameAreRefusedToo() throws Exception {
    drop("checkpoints/evil\ndir/m.safetensors", safetensors());
    assertThat(run().line()).isEqualTo("moved 0, rejected 1, waiting 0");
    assertThat(filesUnder(store())).isEmpty();
  }

  /** An invalid file under a name the store already has is refused for what it is, not as a different file. */
  @Test
  void anInvalidFileUnderATakenNameIsRefusedForItsOwnFault() throws Exception {
    Files.createDirectories(store().resolve("vae"));
    Files.write(store().resolve("vae/x.safetensors"), safetensors());
    drop("vae/x.safetensors", new byte[] {1, 2, 3});
    assertThat(run().line()).isEqualTo("moved 0, rejected 1, waiting 0");
    assertThat(Files.readString(uploads().resolve("_rejected/vae/x.safetensors.reason.txt")))
        .startsWith("The file is too short to be a safetensors file");
  }

  /** Whatever fails unexpectedly while one file is handled: that file is refused with the kind of failure, and no copy is left. */
  @Test
  void anUnexpectedFailureRefusesThatFileOnly() throws Exception {
    drop("loras/a.safetensors", safetensors());
    assertThat(run(LATER, false, (from, to, digest) -> {
      throw new IllegalStateException("boom");
    }).line()).isEqualTo("moved 0, rejected 1, waiting 0");
    assertThat(Files.readString(uploads().resolve("_rejected/loras/a.safetensors.reason.txt")))
        .isEqualTo("The file could not be checked (IllegalStateException): it is not taken." + System.lineSeparator());
    assertThat(filesUnder(store())).isEmpty();
  }

  static byte[] torchZip(byte[] dataPkl) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry("archive/data.pkl"));
      zip.write(dataPkl);
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("archive/data/0"));
      zip.write(new byte[16]);
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("archive/version"));
      zip.write("3\n".getBytes(StandardCharsets.US_ASCII));
      zip.closeEntry();
    }
    return bytes.toByteArray();
  }
}
