package de.dhoch3.aiservices.download;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.dhoch3.aiservices.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** download and delete-model against a local HTTP server serving 3 MB of random bytes. */
class DownloadCommandTest {
  private static final String TOKEN = "hf_s3cr3tT0ken";
  private static final byte[] DATA = new byte[3 * 1024 * 1024 + 17];
  private static final String SHA;

  static {
    new Random(42).nextBytes(DATA);
    SHA = sha256(DATA);
  }

  @TempDir
  Path tmp;
  Path store;
  ModelServer server;

  record Run(int exit, String out, String err, JsonNode result) {
    String all() {
      return out + err + result;
    }
  }

  @BeforeEach
  void start() throws IOException {
    store = Files.createDirectories(tmp.resolve("store/checkpoints"));
    server = new ModelServer(DATA);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void downloadsVerifiesAndRenamesAndReportsProgress() throws IOException {
    Run run = download(Map.of(), "--url", server.url("/model.bin"), "--file", "model.safetensors", "--sha256", SHA.toUpperCase(),
        "--size", String.valueOf(DATA.length));

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.result().get("result").asText()).isEqualTo("Downloaded");
    assertThat(run.result().get("bytes").asLong()).isEqualTo(DATA.length);
    assertThat(run.result().get("sha256").asText()).isEqualTo(SHA);
    assertThat(run.result().get("path").asText()).isEqualTo("model.safetensors");
    assertThat(sha256(Files.readAllBytes(store.resolve("model.safetensors")))).isEqualTo(SHA);
    assertThat(Files.readString(tmp.resolve("progress"))).isEqualTo("{\"bytes\":" + DATA.length + ",\"total\":" + DATA.length + "}\n");
    assertThat(list(store)).containsExactly("model.safetensors");
  }

  @Test
  void resumesWithARangeRequestAfterACutConnection() throws IOException {
    server.cutAfter = 1024 * 1024;

    Run run = download(Map.of(), "--url", server.url("/model.bin"), "--file", "model.bin");

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(server.seen).hasSize(2);
    assertThat(server.seen.get(0).range()).isNull();
    String range = server.seen.get(1).range();
    assertThat(range).matches("bytes=\\d+-");
    assertThat(Long.parseLong(range.replaceAll("\\D", ""))).isPositive();
    assertThat(sha256(Files.readAllBytes(store.resolve("model.bin")))).isEqualTo(SHA);
    assertThat(run.result().get("sha256").asText()).isEqualTo(SHA);
    assertThat(list(store)).containsExactly("model.bin");
  }

  @Test
  void reconnectsWhenTheServerStallsAndRetriesA503() throws IOException {
    server.failFirst = 503;
    Run run = download(Map.of(), "--url", server.url("/model.bin"), "--file", "a.bin", "--sha256", SHA);
    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(server.seen).hasSize(2);
    assertThat(run.out()).contains("answered 503); retrying");

    try (ModelServer stalling = new ModelServer(DATA)) {
      stalling.stallAfter = 512 * 1024;
      Run stalled = download(Map.of(), "--url", stalling.url("/model.bin"), "--file", "b.bin", "--sha256", SHA, "--stall-timeout-ms", "500");
      assertThat(stalled.exit()).as(stalled.all()).isZero();
      assertThat(stalled.out()).contains("no data for 500 ms");
      assertThat(stalling.seen).hasSizeGreaterThanOrEqualTo(2);
      assertThat(stalling.seen.get(1).range()).isEqualTo("bytes=" + 512 * 1024 + "-");
    }
    assertThat(sha256(Files.readAllBytes(store.resolve("b.bin")))).isEqualTo(SHA);
  }

  @Test
  void startsOverWhenTheServerIgnoresRange() throws IOException {
    server.honourRange = false;
    Files.write(store.resolve(".model.bin.part"), new byte[1000]); // junk from an earlier run

    Run run = download(Map.of(), "--url", server.url("/model.bin"), "--file", "model.bin", "--sha256", SHA);

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(server.seen.get(0).range()).isEqualTo("bytes=1000-");
    assertThat(sha256(Files.readAllBytes(store.resolve("model.bin")))).isEqualTo(SHA);
    assertThat(list(store)).containsExactly("model.bin");
  }

  @Test
  void notFoundExitsThreeThroughTheMainCommand() throws IOException {
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(out));
    int exit = cli.execute("download", "--allow-private-addresses", "--url", server.url("/nothing-here.bin"), "--dir", store.toString(), "--file", "x.bin",
        "--result-file", tmp.resolve("result").toString(), "--progress-file", tmp.resolve("progress").toString());

    assertThat(exit).as(out.toString()).isEqualTo(3);
    JsonNode result = new ObjectMapper().readTree(Files.readString(tmp.resolve("result")));
    assertThat(result.get("result").asText()).isEqualTo("NotFound");
    assertThat(result.get("message").asText()).contains("404");
    assertThat(list(store)).isEmpty();
  }

  @Test
  void unauthorizedWithoutTokenThenSuccessWithTokenThatNeverFollowsARedirectToAnotherHost() throws IOException {
    server.token = TOKEN;
    Run without = download(Map.of(), "--url", server.url("/model.bin"), "--file", "gated.bin");
    assertThat(without.exit()).as(without.all()).isEqualTo(4);
    assertThat(without.result().get("result").asText()).isEqualTo("Unauthorized");
    assertThat(without.result().get("message").asText()).contains("401").contains("no token was given");

    Run wrong = download(Map.of("DOWNLOAD_TOKEN", "not-" + TOKEN), "--url", server.url("/model.bin"), "--file", "gated.bin");
    assertThat(wrong.exit()).isEqualTo(4);
    assertThat(wrong.result().get("message").asText()).contains("a token was given");
    assertThat(wrong.all()).doesNotContain(TOKEN);

    try (ModelServer cdn = new ModelServer(DATA)) {
      server.redirectTo = cdn.url("/model.bin") + "?signature=abc";
      Run with = download(Map.of("DOWNLOAD_TOKEN", TOKEN), "--url", server.url("/model.bin"), "--file", "gated.bin", "--sha256", SHA);

      assertThat(with.exit()).as(with.all()).isZero();
      assertThat(server.seen.get(server.seen.size() - 1).authorization()).isEqualTo("Bearer " + TOKEN);
      assertThat(cdn.seen).hasSize(1);
      assertThat(cdn.seen.get(0).authorization()).isNull();
      assertThat(with.all()).doesNotContain(TOKEN);
      assertThat(Files.readString(tmp.resolve("result"))).doesNotContain(TOKEN);
    }
    assertThat(sha256(Files.readAllBytes(store.resolve("gated.bin")))).isEqualTo(SHA);
  }

  @Test
  void aLoopbackUrlIsRefusedUnlessAllowedAndNothingIsWritten() throws IOException {
    // as the operator's Job runs it: no --allow-private-addresses
    Run refused = run(new DownloadCommand(Map.<String, String>of()::get), "--url", server.url("/model.bin"), "--file", "model.bin",
        "--progress-file", tmp.resolve("progress").toString());
    assertThat(refused.exit()).as(refused.all()).isEqualTo(2);
    assertThat(refused.result().get("message").asText()).contains("127.0.0.1").contains("not a public address");
    assertThat(server.seen).isEmpty();
    assertThat(list(store)).isEmpty();
  }

  @Test
  void aRedirectToAUrlWithUserInfoIsRefused() throws IOException {
    server.redirectTo = "http://admin:hunter2@127.0.0.1:" + java.net.URI.create(server.url("/")).getPort() + "/model.bin";
    Run run = download(Map.of(), "--url", server.url("/model.bin"), "--file", "model.bin");
    assertThat(run.exit()).as(run.all()).isNotZero();
    assertThat(run.result().get("message").asText()).contains("user-info").doesNotContain("hunter2");
    assertThat(server.seen).hasSize(1);
    assertThat(list(store)).isEmpty();
  }

  /** Expectations from the RFCs that reserve these ranges (1918, 6598, 3927, 4193, 4291), not from the class under test. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
      "127.0.0.1, false", "10.1.2.3, false", "172.16.0.1, false", "172.31.255.254, false", "192.168.0.6, false",
      "169.254.169.254, false", "100.64.0.1, false", "100.127.255.254, false", "0.0.0.0, false", "224.0.0.1, false",
      "::1, false", "fe80::1, false", "fd00::1, false", "fc00::1, false", "::ffff:127.0.0.1, false", "::ffff:10.0.0.1, false",
      "192.0.0.8, false", "0.1.2.3, false", "192.0.1.1, true", "192.1.0.1, true", "193.0.0.1, true",
      "8.8.8.8, true", "100.63.255.255, true", "100.128.0.1, true", "172.32.0.1, true", "2606:4700::1111, true"})
  void onlyPublicAddressesArePublic(String literal, boolean expected) throws Exception {
    assertThat(Destinations.isPublic(java.net.InetAddress.getByName(literal))).as(literal).isEqualTo(expected);
  }

  @Test
  void wrongChecksumExitsFiveAndLeavesNothing() throws IOException {
    String other = sha256(new byte[] {1});

    Run run = download(Map.of(), "--url", server.url("/model.bin"), "--file", "model.bin", "--sha256", other);

    assertThat(run.exit()).as(run.all()).isEqualTo(5);
    assertThat(run.result().get("result").asText()).isEqualTo("ChecksumMismatch");
    assertThat(run.result().get("message").asText()).contains(SHA).contains(other);
    assertThat(list(store)).isEmpty();
  }

  @Test
  void anExistingDifferentFileIsAConflictAndKept() throws IOException {
    Files.write(store.resolve("model.bin"), new byte[] {1, 2, 3});

    Run withSha = download(Map.of(), "--url", server.url("/model.bin"), "--file", "model.bin", "--sha256", SHA);
    Run withSize = download(Map.of(), "--url", server.url("/model.bin"), "--file", "model.bin", "--size", String.valueOf(DATA.length));
    Run withServerLength = download(Map.of(), "--url", server.url("/model.bin"), "--file", "model.bin");

    for (Run run : List.of(withSha, withSize, withServerLength)) {
      assertThat(run.exit()).as(run.all()).isEqualTo(6);
      assertThat(run.result().get("result").asText()).isEqualTo("Conflict");
    }
    assertThat(Files.readAllBytes(store.resolve("model.bin"))).containsExactly(1, 2, 3);
    assertThat(list(store)).containsExactly("model.bin");
  }

  @Test
  void anExistingIdenticalFileIsAlreadyPresentWithoutARequest() throws IOException {
    Files.write(store.resolve("model.bin"), DATA);

    Run run = download(Map.of(), "--url", server.url("/model.bin"), "--file", "model.bin", "--sha256", SHA);

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.result().get("result").asText()).isEqualTo("AlreadyPresent");
    assertThat(run.result().get("sha256").asText()).isEqualTo(SHA);
    assertThat(server.seen).isEmpty();
  }

  @Test
  void refusesFileNamesThatLeaveTheFolderAndPlainHttpElsewhere() throws IOException {
    for (String name : List.of("../model.bin", "sub/model.bin", "..", ".hidden")) {
      Run run = download(Map.of(), "--url", server.url("/model.bin"), "--file", name);
      assertThat(run.exit()).as(name + run.all()).isEqualTo(2);
      assertThat(run.result().get("result").asText()).isEqualTo("Invalid");
    }
    Run http = download(Map.of(), "--url", "http://example.com/model.bin", "--file", "model.bin");
    assertThat(http.exit()).isEqualTo(2);
    assertThat(http.result().get("message").asText()).contains("https");
    assertThat(server.seen).isEmpty();
    assertThat(list(tmp.resolve("store"))).containsExactly("checkpoints");
  }

  @Test
  void deleteModelRemovesOnlyTheFileWithTheGivenChecksum() throws IOException {
    Files.write(store.resolve("model.bin"), DATA);
    Files.write(store.resolve("other.bin"), DATA);

    Run wrong = run(new DeleteModelCommand(), "--file", "model.bin", "--sha256", sha256(new byte[] {1}));
    assertThat(wrong.exit()).as(wrong.all()).isEqualTo(6);
    assertThat(wrong.result().get("result").asText()).isEqualTo("Conflict");
    assertThat(Files.readAllBytes(store.resolve("model.bin"))).isEqualTo(DATA);

    Run right = run(new DeleteModelCommand(), "--file", "model.bin", "--sha256", SHA);
    assertThat(right.exit()).as(right.all()).isZero();
    assertThat(right.result().get("result").asText()).isEqualTo("Deleted");
    assertThat(list(store)).containsExactly("other.bin");

    Run again = run(new DeleteModelCommand(), "--file", "model.bin", "--sha256", SHA);
    assertThat(again.exit()).isZero();
    assertThat(again.result().get("result").asText()).isEqualTo("Absent");
  }

  /** 24 MiB + 5: three ranges of at least 8 MiB with the default four connections. */
  private static final byte[] LARGE = large();

  private static byte[] large() {
    byte[] bytes = new byte[24 * 1024 * 1024 + 5];
    new java.util.Random(7).nextBytes(bytes);
    return bytes;
  }

  @Test
  void aLargeFileComesInParallelRangesEachOnceAndIsVerifiedWhole() throws IOException {
    try (ModelServer ranged = new ModelServer(LARGE)) {
      ranged.announceRanges = true;
      ranged.token = TOKEN;
      Run run = download(Map.of("DOWNLOAD_TOKEN", TOKEN), "--url", ranged.url("/model.bin"), "--file", "big.bin", "--sha256", sha256(LARGE),
          "--size", String.valueOf(LARGE.length));
      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(Files.readAllBytes(store.resolve("big.bin"))).isEqualTo(LARGE);
      // the first request (no Range) serves range 0; ranges 1 and 2 of 24 MiB + 5 in thirds, written down independently
      long third = LARGE.length / 3;
      long twoThirds = 2L * LARGE.length / 3;
      assertThat(ranged.seen).extracting(ModelServer.Seen::range).containsExactlyInAnyOrder(null,
          "bytes=" + third + "-" + (twoThirds - 1), "bytes=" + twoThirds + "-" + (LARGE.length - 1));
      // the token went with every range, to the origin of --url
      assertThat(ranged.seen).extracting(ModelServer.Seen::authorization).containsOnly("Bearer " + TOKEN);
      assertThat(list(store)).containsExactly("big.bin");
    }
  }

  @Test
  void aCutRangeResumesWhereItStoppedAndTheOthersAreNotFetchedAgain() throws IOException {
    try (ModelServer ranged = new ModelServer(LARGE)) {
      ranged.announceRanges = true;
      long third = LARGE.length / 3;
      ranged.cutRangeStartingAt = third;
      ranged.cutRangeAfter = 1024 * 1024;
      Run run = download(Map.of(), "--url", ranged.url("/model.bin"), "--file", "big.bin", "--sha256", sha256(LARGE));
      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(Files.readAllBytes(store.resolve("big.bin"))).isEqualTo(LARGE);
      List<String> ranges = ranged.seen.stream().map(ModelServer.Seen::range).toList();
      // range 1 again from where its first response was cut (at least the 1 MiB sent; never from its start)
      assertThat(ranges.stream().filter(r -> r != null && !r.equals("bytes=" + third + "-" + (2L * LARGE.length / 3 - 1))
          && r.endsWith("-" + (2L * LARGE.length / 3 - 1)))).singleElement()
          .satisfies(r -> assertThat(Long.parseLong(r.substring(6, r.indexOf('-')))).isGreaterThanOrEqualTo(third + 1024 * 1024));
      assertThat(ranges.stream().filter(r -> r == null)).as("range 0 once").hasSize(1);
      assertThat(ranges.stream().filter(r -> r != null && r.startsWith("bytes=" + 2L * LARGE.length / 3 + "-"))).as("range 2 once").hasSize(1);
      assertThat(list(store)).containsExactly("big.bin");
    }
  }

  @Test
  void aServerThatAnnouncesRangesButIgnoresThemGetsOneStream() throws IOException {
    try (ModelServer liar = new ModelServer(LARGE)) {
      liar.announceRanges = true;
      liar.honourRange = false;
      Run run = download(Map.of(), "--url", liar.url("/model.bin"), "--file", "big.bin", "--sha256", sha256(LARGE));
      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(Files.readAllBytes(store.resolve("big.bin"))).isEqualTo(LARGE);
      assertThat(list(store)).containsExactly("big.bin");
    }
  }

  @Test
  void oneConnectionMeansOneStream() throws IOException {
    try (ModelServer ranged = new ModelServer(LARGE)) {
      ranged.announceRanges = true;
      Run run = download(Map.of(), "--url", ranged.url("/model.bin"), "--file", "big.bin", "--connections", "1");
      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(ranged.seen).extracting(ModelServer.Seen::range).containsExactly((String) null);
      assertThat(Files.readAllBytes(store.resolve("big.bin"))).isEqualTo(LARGE);
    }
  }

  @Test
  void aRangedDownloadNeverOverwritesAFileThatAppearedMeanwhile() throws IOException {
    try (ModelServer ranged = new ModelServer(LARGE)) {
      ranged.announceRanges = true;
      ranged.cutRangeStartingAt = LARGE.length / 3;
      ranged.cutRangeAfter = 1;
      // the first attempt fails on range 1; meanwhile another writer puts its own file under the name
      Thread writer = new Thread(() -> {
        try {
          while (!Files.exists(store.resolve(".big.bin.part.ranges"))) {
            Thread.sleep(5);
          }
          Files.write(store.resolve("big.bin"), new byte[] {1, 2, 3});
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      writer.start();
      Run run = download(Map.of(), "--url", ranged.url("/model.bin"), "--file", "big.bin");
      assertThat(run.exit()).as(run.all()).isEqualTo(6);
      assertThat(Files.readAllBytes(store.resolve("big.bin"))).containsExactly(1, 2, 3);
    }
  }

  /** The part began with one file; the server now serves another (a longer total) from the same offset: never a mix. */
  @Test
  void aResumeOfAnotherFileStartsOverInsteadOfMixingTwo() throws IOException {
    server.cutAfter = 1024 * 1024;
    Run first = download(Map.of(), "--url", server.url("/model.bin"), "--file", "model.bin", "--attempts", "1");
    assertThat(first.exit()).as(first.all()).isEqualTo(1);
    try (ModelServer other = new ModelServer(LARGE)) {
      other.announceRanges = true;
      Run run = download(Map.of(), "--url", other.url("/model.bin"), "--file", "model.bin", "--connections", "1");
      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(Files.readAllBytes(store.resolve("model.bin"))).isEqualTo(LARGE);
      assertThat(run.out()).contains("starting over");
    }
  }

  /** A state file claiming more than the part holds (stale, hand-made, or from before a crash) is not trusted: the file comes whole. */
  @Test
  void aRangeStateClaimingMoreThanThePartHoldsIsNotTrusted() throws IOException {
    Files.write(store.resolve(".big.bin.part"), new byte[10]);
    Files.writeString(store.resolve(".big.bin.part.ranges"), "{\"total\":" + LARGE.length + ",\"ranges\":[[0," + LARGE.length / 2 + ","
        + LARGE.length / 2 + "],[" + LARGE.length / 2 + "," + LARGE.length + ",0]]}");
    try (ModelServer ranged = new ModelServer(LARGE)) {
      ranged.announceRanges = true;
      Run run = download(Map.of(), "--url", ranged.url("/model.bin"), "--file", "big.bin", "--size", String.valueOf(LARGE.length));
      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(Files.readAllBytes(store.resolve("big.bin"))).isEqualTo(LARGE);
      assertThat(list(store)).containsExactly("big.bin");
    }
  }

  @Test
  void aStateWithMoreRangesThanAnyDownloadHasIsNotTrusted() throws IOException {
    Files.write(store.resolve(".big.bin.part"), new byte[40]);
    StringBuilder ranges = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      ranges.append(i == 0 ? "" : ",").append("[").append(i).append(",").append(i + 1).append(",0]");
    }
    Files.writeString(store.resolve(".big.bin.part.ranges"), "{\"total\":40,\"ranges\":[" + ranges + "]}");
    try (ModelServer ranged = new ModelServer(LARGE)) {
      ranged.announceRanges = true;
      Run run = download(Map.of(), "--url", ranged.url("/model.bin"), "--file", "big.bin");
      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(ranged.seen).hasSizeLessThanOrEqualTo(4);
      assertThat(Files.readAllBytes(store.resolve("big.bin"))).isEqualTo(LARGE);
    }
  }

  @Test
  void plainHttpOnlyToLoopbackLiteralsNotToNamesThatLookLikeThem() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Downloader.checkScheme(java.net.URI.create("http://127.attacker.example/m"), null))
        .hasMessageContaining("must be an https URL");
    Downloader.checkScheme(java.net.URI.create("http://127.0.0.1:8080/m"), null);
  }

  private Run download(Map<String, String> env, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of(args));
    // the test server is on loopback, which the program refuses unless told
    all.addAll(List.of("--progress-file", tmp.resolve("progress").toString(), "--retry-delay-ms", "10", "--allow-private-addresses"));
    return run(new DownloadCommand(env::get), all.toArray(String[]::new));
  }

  private Run run(Object command, String... args) throws IOException {
    Files.deleteIfExists(tmp.resolve("result"));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--dir", store.toString(), "--result-file", tmp.resolve("result").toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(all.toArray(String[]::new));
    JsonNode result = new ObjectMapper().readTree(Files.readString(tmp.resolve("result")));
    return new Run(exit, out.toString(), err.toString(), result);
  }

  private static List<String> list(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
