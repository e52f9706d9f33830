package de.dhoch3.aiservices.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In-app downloads shared through the inbox, as an app (ComfyUI Manager downloading into its own
 * models/checkpoints) and as a compromised app (links planted to another service's folders or into
 * the store, pickles that run code, files rewritten during the move) would act. Each test looks at
 * the store, the app's folder and the other service's folder afterwards.
 */
class AppDownloadsTest {
  private static final Set<String> CATEGORIES = Set.of("checkpoints", "loras");
  private static final Clock LATER = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
  /** ComfyUI's own checkpoints folder below its data folder, and where its container sees the store. */
  private static final Inbox.AppFolder COMFY_CHECKPOINTS = new Inbox.AppFolder("ComfyUI", "ComfyUI/models/checkpoints", "checkpoints", "/models");

  @TempDir Path root;
  private final StringWriter log = new StringWriter();

  private Path dir(String relative) throws IOException {
    return Files.createDirectories(root.resolve(relative));
  }

  private Path store() throws IOException {
    return dir("storage-models/models");
  }

  private Path data() throws IOException {
    return dir("storage");
  }

  private Path appFile(String relative, byte[] content) throws IOException {
    Path file = data().resolve("ComfyUI/ComfyUI/models/checkpoints").resolve(relative);
    Files.createDirectories(file.getParent());
    return Files.write(file, content);
  }

  private Inbox.Summary run(Clock clock, Inbox.AppFolder... folders) throws IOException {
    return new Inbox(dir("storage-user/models-upload"), store(), CATEGORIES, Duration.ofSeconds(120), false, clock, new PrintWriter(log, true),
        Inbox::copyHashing).sharingAppDownloads(data(), List.of(folders)).run();
  }

  private Inbox.Summary run() throws IOException {
    return run(LATER, COMFY_CHECKPOINTS);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private List<String> regularFilesUnder(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).map(p -> dir.relativize(p).toString())
          .filter(p -> !p.equals(Inbox.LOCK)).sorted().toList();
    }
  }

  @Test
  void aDownloadMovesIntoTheStoreAndTheAppKeepsALinkToWhereItSeesTheStore() throws Exception {
    byte[] model = InboxTest.safetensors();
    Path file = appFile("SDXL/dreamshaper.safetensors", model);
    Inbox.Summary summary = run();
    assertThat(summary.line()).isEqualTo("moved 1, rejected 0, waiting 0");
    assertThat(Files.readAllBytes(store().resolve("checkpoints/SDXL/dreamshaper.safetensors"))).isEqualTo(model);
    assertThat(Files.isSymbolicLink(file)).isTrue();
    // the app's container has the store at /models: the link points there, not at this pod's /store
    assertThat(Files.readSymbolicLink(file)).isEqualTo(Path.of("/models/checkpoints/SDXL/dreamshaper.safetensors"));
    assertThat(summary.files()).containsExactly(
        new Inbox.Moved("checkpoints", "SDXL/dreamshaper.safetensors", model.length, sha256(model), false, "ComfyUI"));
    assertThat(log.toString()).contains("shared ComfyUI/ComfyUI/models/checkpoints/SDXL/dreamshaper.safetensors as the store's "
        + "checkpoints/SDXL/dreamshaper.safetensors");
    // a second run finds only the link: nothing more to do
    assertThat(run().line()).isEqualTo("moved 0, rejected 0, waiting 0");
  }

  @Test
  void aDownloadInProgressWaitsAndTheAppsTemporaryNamesAreLeftAlone() throws Exception {
    appFile("flux.safetensors", InboxTest.safetensors());
    appFile("big.safetensors.part", new byte[] {1, 2});
    appFile(".tmp-download", new byte[] {1});
    assertThat(run(Clock.systemUTC(), COMFY_CHECKPOINTS).line()).isEqualTo("moved 0, rejected 0, waiting 1");
    assertThat(regularFilesUnder(store())).isEmpty();
    assertThat(regularFilesUnder(data().resolve("ComfyUI/ComfyUI/models/checkpoints")))
        .containsExactly(".tmp-download", "big.safetensors.part", "flux.safetensors");
  }

  @Test
  void theSameFileTheStoreHoldsBecomesALinkToItAndADifferentOneStaysTheAppsOwn() throws Exception {
    byte[] model = InboxTest.safetensors();
    Files.createDirectories(store().resolve("checkpoints"));
    Files.write(store().resolve("checkpoints/same.safetensors"), model);
    Files.write(store().resolve("checkpoints/other.safetensors"), model);
    Path same = appFile("same.safetensors", model);
    byte[] different = InboxTest.safetensors();
    different[different.length - 1] = 42;
    Path other = appFile("other.safetensors", different);
    Inbox.Summary summary = run();
    assertThat(summary.line()).isEqualTo("moved 1, rejected 1, waiting 0");
    assertThat(summary.files()).singleElement().extracting(Inbox.Moved::duplicate).isEqualTo(true);
    assertThat(Files.readSymbolicLink(same)).isEqualTo(Path.of("/models/checkpoints/same.safetensors"));
    // the store keeps its own; the app keeps its different file, and a hidden note says why
    assertThat(Files.readAllBytes(store().resolve("checkpoints/other.safetensors"))).isEqualTo(model);
    assertThat(Files.readAllBytes(other)).isEqualTo(different);
    assertThat(Files.readString(other.resolveSibling(".other.safetensors.not-shared.txt")))
        .startsWith("The store already has a different checkpoints/other.safetensors");
  }

  @Test
  void aRefusedFileIsNotLookedAtAgainUntilItChanges() throws Exception {
    Path evil = appFile("evil.ckpt", PickleScanTest.OS_SYSTEM);
    assertThat(run().line()).isEqualTo("moved 0, rejected 1, waiting 0");
    assertThat(Files.readAllBytes(evil)).isEqualTo(PickleScanTest.OS_SYSTEM);
    assertThat(Files.readString(evil.resolveSibling(".evil.ckpt.not-shared.txt"))).startsWith("Refused because it imports os.system");
    assertThat(regularFilesUnder(store())).isEmpty();
    assertThat(run().line()).isEqualTo("moved 0, rejected 0, waiting 0");
    // the app replaces it with a clean file of the same name: looked at again, and shared
    Files.setLastModifiedTime(evil.resolveSibling(".evil.ckpt.not-shared.txt"), java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(Duration.ofDays(1))));
    Files.write(evil, InboxTest.torchZip(PickleScanTest.TORCH_STATE_DICT));
    assertThat(run().line()).isEqualTo("moved 1, rejected 0, waiting 0");
    assertThat(Files.isSymbolicLink(evil)).isTrue();
  }

  @Test
  void aFolderOfTheAppReplacedByALinkToAnotherServiceIsNeverFollowed() throws Exception {
    // the other service's model, which a compromised ComfyUI wants turned into a link (or read)
    byte[] theirs = InboxTest.safetensors();
    Path victim = Files.createDirectories(data().resolve("Forge/models/Stable-diffusion")).resolve("private.safetensors");
    Files.write(victim, theirs);
    Files.createDirectories(data().resolve("ComfyUI/ComfyUI/models"));
    Files.createSymbolicLink(data().resolve("ComfyUI/ComfyUI/models/checkpoints"), data().resolve("Forge/models/Stable-diffusion"));
    assertThat(run().line()).isEqualTo("moved 0, rejected 0, waiting 0");
    assertThat(Files.isSymbolicLink(victim)).isFalse();
    assertThat(Files.readAllBytes(victim)).isEqualTo(theirs);
    assertThat(regularFilesUnder(store())).isEmpty();
  }

  @Test
  void aLinkHigherUpTheAppsPathIsNeverFollowedEither() throws Exception {
    // ComfyUI/ComfyUI/models -> Forge/models, which has a checkpoints folder of its own
    byte[] theirs = InboxTest.safetensors();
    Path victim = Files.createDirectories(data().resolve("Forge/models/checkpoints")).resolve("private.safetensors");
    Files.write(victim, theirs);
    Files.createDirectories(data().resolve("ComfyUI/ComfyUI"));
    Files.createSymbolicLink(data().resolve("ComfyUI/ComfyUI/models"), data().resolve("Forge/models"));
    assertThat(run().line()).isEqualTo("moved 0, rejected 0, waiting 0");
    assertThat(Files.isSymbolicLink(victim)).isFalse();
    assertThat(Files.readAllBytes(victim)).isEqualTo(theirs);
    assertThat(regularFilesUnder(store())).isEmpty();
  }

  @Test
  void aSubFolderLinkAndFileLinksPlantedByTheAppAreNotFollowed() throws Exception {
    byte[] theirs = InboxTest.safetensors();
    Path victim = Files.createDirectories(data().resolve("Forge/models/Lora")).resolve("style.safetensors");
    Files.write(victim, theirs);
    Path own = Files.createDirectories(data().resolve("ComfyUI/ComfyUI/models/checkpoints"));
    Files.createSymbolicLink(own.resolve("SDXL"), data().resolve("Forge/models/Lora"));
    Files.createSymbolicLink(own.resolve("stolen.safetensors"), victim);
    // a note under the marker's name pointing at the other service's file is replaced, never written through
    Files.createSymbolicLink(own.resolve(".bad.ckpt.not-shared.txt"), victim);
    appFile("bad.ckpt", PickleScanTest.OS_SYSTEM);
    assertThat(run().line()).isEqualTo("moved 0, rejected 1, waiting 0");
    assertThat(Files.readAllBytes(victim)).isEqualTo(theirs);
    assertThat(Files.isSymbolicLink(victim)).isFalse();
    assertThat(regularFilesUnder(store())).isEmpty();
    assertThat(Files.isSymbolicLink(own.resolve(".bad.ckpt.not-shared.txt"))).isFalse();
  }

  @Test
  void aFileRewrittenWhileItIsCopiedIsNotReplacedByALink() throws Exception {
    Path file = appFile("flux.safetensors", InboxTest.safetensors());
    Inbox.Summary summary = new Inbox(dir("storage-user/models-upload"), store(), CATEGORIES, Duration.ofSeconds(120), false, LATER,
        new PrintWriter(log, true), (in, out, digest) -> {
          Inbox.copyHashing(in, out, digest);
          Files.write(file, new byte[] {9, 9, 9}); // the app writes again meanwhile
        }).sharingAppDownloads(data(), List.of(COMFY_CHECKPOINTS)).run();
    assertThat(summary.line()).isEqualTo("moved 0, rejected 0, waiting 1");
    assertThat(Files.isSymbolicLink(file)).isFalse();
    assertThat(Files.readAllBytes(file)).containsExactly(9, 9, 9);
    assertThat(regularFilesUnder(store())).isEmpty();
  }

  @Test
  void anAppWithoutTheFolderYetIsSkippedAndUploadsStillMove() throws Exception {
    Path upload = dir("storage-user/models-upload/loras").resolve("a.safetensors");
    Files.write(upload, InboxTest.safetensors());
    assertThat(run().line()).isEqualTo("moved 1, rejected 0, waiting 0");
    assertThat(regularFilesUnder(store())).containsExactly("loras/a.safetensors");
  }

  @Test
  void theCommandSharesTheFoldersItIsGivenAndRefusesUnsafeOnes() throws Exception {
    appFile("a.safetensors", InboxTest.safetensors());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] base = {"--uploads", dir("storage-user/models-upload").toString(), "--store", store().toString(), "--settle-seconds", "0",
        "--app-data", data().toString(), "--app-store", "ComfyUI=/models"};
    for (String unsafe : List.of("ComfyUI/../Forge=checkpoints", "ComfyUI/=checkpoints", "ComfyUI//x=checkpoints", "ComfyUI/x=../vae")) {
      String[] args = Stream.concat(Stream.of(base), Stream.of("--share-folder", unsafe)).toArray(String[]::new);
      assertThat(new picocli.CommandLine(new InboxCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args))
          .as(unsafe).isEqualTo(2);
    }
    String[] args = Stream.concat(Stream.of(base), Stream.of("--share-folder", "ComfyUI/ComfyUI/models/checkpoints=checkpoints"))
        .toArray(String[]::new);
    assertThat(new picocli.CommandLine(new InboxCommand()).setOut(new PrintWriter(out)).execute(args)).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(lines.size() - 1)).isEqualTo("moved 1, rejected 0, waiting 0");
    assertThat(lines).anyMatch(l -> l.startsWith("record ") && l.contains("\"app\":\"ComfyUI\""));
    assertThat(Files.readSymbolicLink(data().resolve("ComfyUI/ComfyUI/models/checkpoints/a.safetensors")))
        .isEqualTo(Path.of("/models/checkpoints/a.safetensors"));
  }

  /** The folder swapped for a link to another service's folder while the file is being copied: the link lands in the app's own folder. */
  @Test
  void aFolderSwappedForALinkDuringTheMoveNeverRedirectsTheReplacement() throws Exception {
    byte[] theirs = InboxTest.safetensors();
    theirs[theirs.length - 1] = 7;
    Path victimDir = Files.createDirectories(data().resolve("Forge/models/Stable-diffusion"));
    Files.write(victimDir.resolve("x.safetensors"), theirs);
    byte[] mine = InboxTest.safetensors();
    appFile("s/x.safetensors", mine);
    Path s = data().resolve("ComfyUI/ComfyUI/models/checkpoints/s");
    Inbox.Summary summary = new Inbox(dir("storage-user/models-upload"), store(), CATEGORIES, Duration.ofSeconds(120), false, LATER,
        new PrintWriter(log, true), (in, out, digest) -> {
          Inbox.copyHashing(in, out, digest);
          Files.move(s, s.resolveSibling("s-old"));
          Files.createSymbolicLink(s, victimDir);
        }).sharingAppDownloads(data(), List.of(COMFY_CHECKPOINTS)).run();
    assertThat(summary.line()).isEqualTo("moved 1, rejected 0, waiting 0");
    assertThat(Files.isSymbolicLink(victimDir.resolve("x.safetensors"))).isFalse();
    assertThat(Files.readAllBytes(victimDir.resolve("x.safetensors"))).isEqualTo(theirs);
    assertThat(Files.readSymbolicLink(s.resolveSibling("s-old/x.safetensors"))).isEqualTo(Path.of("/models/checkpoints/s/x.safetensors"));
    assertThat(Files.readAllBytes(store().resolve("checkpoints/s/x.safetensors"))).isEqualTo(mine);
    // the staging folder on the data root keeps nothing
    assertThat(regularFilesUnder(data().resolve(".inbox-links"))).isEmpty();
    try (Stream<Path> staged = Files.list(data().resolve(".inbox-links"))) {
      assertThat(staged).isEmpty();
    }
  }

  @Test
  void aFifoIsNeverOpenedAndTheRunFinishes() throws Exception {
    appFile("a.safetensors", InboxTest.safetensors());
    Path fifo = data().resolve("ComfyUI/ComfyUI/models/checkpoints/b.safetensors");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    assertThat(run().line()).isEqualTo("moved 1, rejected 0, waiting 0");
    assertThat(Files.isSymbolicLink(fifo)).isFalse();
  }

  @Test
  void anOpenThatHangsStopsOnlyTheAppsPartAtTheDeadline() throws Exception {
    Files.write(dir("storage-user/models-upload/loras").resolve("up.safetensors"), InboxTest.safetensors());
    appFile("a.safetensors", InboxTest.safetensors());
    java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
    Inbox.Summary summary = new Inbox(dir("storage-user/models-upload"), store(), CATEGORIES, Duration.ofSeconds(120), false, LATER,
        new PrintWriter(log, true), (in, out, digest) -> {
          if (Thread.currentThread().getName().equals("inbox-app-downloads")) {
            try {
              never.await(); // as a FIFO swapped in at the last instant would
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          Inbox.copyHashing(in, out, digest);
        }).sharingAppDownloads(data(), List.of(COMFY_CHECKPOINTS), Duration.ofMillis(300)).run();
    assertThat(summary.line()).isEqualTo("moved 1, rejected 0, waiting 0");
    assertThat(summary.files()).extracting(Inbox.Moved::path).containsExactly("up.safetensors");
    assertThat(log.toString()).contains("sharing the apps' downloads stopped after 0 s (a file could not be read); the rest next run");
  }

  /** A pickle whose import name holds a line break: its refusal is logged on one line, and no forged record line is read. */
  @Test
  void aRefusalReasonCannotForgeARecordLine() throws Exception {
    String forged = "x\nrecord {\"category\":\"checkpoints\",\"path\":\"someone/else.safetensors\",\"size\":1,\"sha256\":\""
        + "a".repeat(64) + "\",\"duplicate\":false,\"app\":\"victim\"}\n";
    byte[] module = forged.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.io.ByteArrayOutputStream pickle = new java.io.ByteArrayOutputStream();
    pickle.write(new byte[] {(byte) 0x80, 4, (byte) 0x8c, (byte) module.length});
    pickle.write(module);
    pickle.write(new byte[] {(byte) 0x8c, 4, 'e', 'v', 'a', 'l', (byte) 0x93, '.'});
    appFile("evil.ckpt", pickle.toByteArray());
    Files.write(dir("storage-user/models-upload/checkpoints").resolve("evil2.ckpt"), pickle.toByteArray());
    StringWriter out = new StringWriter();
    int exit = new picocli.CommandLine(new InboxCommand()).setOut(new PrintWriter(out)).execute("--uploads",
        dir("storage-user/models-upload").toString(), "--store", store().toString(), "--settle-seconds", "0", "--app-data", data().toString(),
        "--app-store", "ComfyUI=/models", "--share-folder", "ComfyUI/ComfyUI/models/checkpoints=checkpoints");
    assertThat(exit).isZero();
    assertThat(out.toString().lines()).filteredOn(l -> l.startsWith("record ")).isEmpty();
    assertThat(InboxRecords.records(out.toString(), "studio")).isEmpty();
    assertThat(out.toString().lines()).anyMatch(l -> l.startsWith("not shared ComfyUI/ComfyUI/models/checkpoints/evil.ckpt: Refused because it imports x?record"));
    assertThat(out.toString().lines().toList()).last().isEqualTo("moved 0, rejected 2, waiting 0");
  }

  @Test
  void aFolderOfManyFilesIsTakenInPortionsPerRun() throws Exception {
    for (String name : List.of("a", "b", "c")) {
      appFile(name + ".safetensors", InboxTest.safetensors());
    }
    Inbox inbox = new Inbox(dir("storage-user/models-upload"), store(), CATEGORIES, Duration.ofSeconds(120), false, LATER,
        new PrintWriter(log, true), Inbox::copyHashing).sharingAppDownloads(data(), List.of(COMFY_CHECKPOINTS));
    inbox.appMaxFiles = 2;
    assertThat(inbox.run().line()).isEqualTo("moved 2, rejected 0, waiting 0");
    assertThat(regularFilesUnder(store())).containsExactly("checkpoints/a.safetensors", "checkpoints/b.safetensors");
    assertThat(run().line()).isEqualTo("moved 1, rejected 0, waiting 0");
  }

  @Test
  void aFolderUnderTheNotesNameIsReplacedByTheNote() throws Exception {
    Path evil = appFile("evil.ckpt", PickleScanTest.OS_SYSTEM);
    Files.createDirectories(evil.resolveSibling(".evil.ckpt.not-shared.txt"));
    assertThat(run().line()).isEqualTo("moved 0, rejected 1, waiting 0");
    assertThat(evil.resolveSibling(".evil.ckpt.not-shared.txt")).isRegularFile();
  }

  @Test
  void namesUpTo200CharactersAreSharedLongerOnesStayTheApps() throws Exception {
    String fits = "a".repeat(200 - ".safetensors".length()) + ".safetensors";
    String tooLong = "b".repeat(201 - ".safetensors".length()) + ".safetensors";
    appFile(fits, InboxTest.safetensors());
    Path kept = appFile(tooLong, InboxTest.safetensors());
    assertThat(run().line()).isEqualTo("moved 1, rejected 0, waiting 0");
    assertThat(regularFilesUnder(store())).containsExactly("checkpoints/" + fits);
    assertThat(Files.isSymbolicLink(kept)).isFalse();
  }

  @Test
  void namesWithSpacesAreSharedAndAFileThatCannotBeReadOrCheckedOnlyAffectsItself() throws Exception {
    // handled in name order: "Juggernaut XL v9" (copies), "breaks-checks" (the checks fail), "unreadable" (reading fails)
    Path jugg = appFile("Juggernaut XL v9.safetensors", InboxTest.safetensors());
    Path breaks = appFile("breaks-checks.safetensors", InboxTest.safetensors());
    Path unreadable = appFile("unreadable.safetensors", InboxTest.safetensors());
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    Inbox.Summary summary = new Inbox(dir("storage-user/models-upload"), store(), CATEGORIES, Duration.ofSeconds(120), false, LATER,
        new PrintWriter(log, true), (in, out, digest) -> {
          switch (calls.incrementAndGet()) {
            case 2 -> throw new IllegalStateException("a checker bug");
            case 3 -> throw new java.io.IOException("input/output error");
            default -> Inbox.copyHashing(in, out, digest);
          }
        }).sharingAppDownloads(data(), List.of(COMFY_CHECKPOINTS)).run();
    assertThat(summary.line()).isEqualTo("moved 1, rejected 1, waiting 1");
    assertThat(Files.readSymbolicLink(jugg)).isEqualTo(Path.of("/models/checkpoints/Juggernaut XL v9.safetensors"));
    assertThat(Files.readString(breaks.resolveSibling(".breaks-checks.safetensors.not-shared.txt")))
        .startsWith("The file could not be checked (IllegalStateException)");
    assertThat(log.toString()).contains("kept for the next run: ComfyUI/ComfyUI/models/checkpoints/unreadable.safetensors (input/output error)");
    assertThat(Files.isSymbolicLink(unreadable)).isFalse();
    // no copy left behind in the store's hidden folder
    try (Stream<Path> left = Files.list(store().resolve(".inbox-tmp"))) {
      assertThat(left).isEmpty();
    }
    assertThat(run().line()).isEqualTo("moved 1, rejected 0, waiting 0");
    assertThat(Files.isSymbolicLink(unreadable)).isTrue();
  }
}
