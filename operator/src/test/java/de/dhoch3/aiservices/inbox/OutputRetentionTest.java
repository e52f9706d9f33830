package de.dhoch3.aiservices.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Old outputs of the services that opted in go to .trash/, and from there after the grace period; nothing else is touched. */
class OutputRetentionTest {
  @TempDir Path outputs;
  private final StringWriter log = new StringWriter();

  private Path file(String relative, Duration age) throws Exception {
    Path file = outputs.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[] {1});
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(age)));
    return file;
  }

  private List<String> files() throws Exception {
    try (Stream<Path> walk = Files.walk(outputs)) {
      return walk.filter(Files::isRegularFile).map(p -> outputs.relativize(p).toString()).sorted().toList();
    }
  }

  private OutputRetention.Result apply(Clock clock, boolean dryRun) throws Exception {
    return OutputRetention.apply(outputs, Map.of("comfyui", 30), Duration.ofDays(7), dryRun, clock, new PrintWriter(log, true));
  }

  /**
   * A file's age counts from the later of its modification and its change time, which a test cannot
   * set: the runs happen on a clock 31 days ahead, so every file made now changed "31 days ago".
   */
  private static final Duration AHEAD = Duration.ofDays(31);

  @Test
  void oldOutputsOfOptedInServicesGoToTheTrashThenAway() throws Exception {
    file("comfyui/2026-10/old.png", Duration.ofDays(10)); // 41 days old on the run's clock
    file("comfyui/new.png", Duration.ofDays(-30)); // 1 day
    file("comfyui/edge.png", Duration.ofDays(-2)); // 29 days
    file("forge/old.png", Duration.ofDays(400)); // not opted in
    Clock run = Clock.offset(Clock.systemUTC(), AHEAD);
    assertThat(apply(run, true)).isEqualTo(new OutputRetention.Result(1, 0));
    assertThat(log.toString()).contains("would retire output comfyui/2026-10/old.png");
    assertThat(files()).as("a dry run changes nothing")
        .containsExactly("comfyui/2026-10/old.png", "comfyui/edge.png", "comfyui/new.png", "forge/old.png");

    assertThat(apply(run, false)).isEqualTo(new OutputRetention.Result(1, 0));
    assertThat(files()).containsExactly(".trash/comfyui/2026-10/old.png", "comfyui/edge.png", "comfyui/new.png", "forge/old.png");
    assertThat(log.toString()).contains("retired output comfyui/2026-10/old.png to .trash/comfyui/");
    Clock weekLater = Clock.offset(Clock.systemUTC(), AHEAD.plus(Duration.ofDays(7)).plusHours(1));
    assertThat(apply(weekLater, true)).as("the dry run a week later").isEqualTo(new OutputRetention.Result(1, 1));
    assertThat(log.toString()).contains("would delete .trash/comfyui/2026-10/old.png");

    // a week later the trash is emptied (the move is when it went in), the rest stays
    assertThat(apply(weekLater, false)).isEqualTo(new OutputRetention.Result(1, 1));
    assertThat(files()).as("edge.png is now over 30 days old and went to the trash in the same run")
        .containsExactly(".trash/comfyui/edge.png", "comfyui/new.png", "forge/old.png");
    assertThat(log.toString()).contains("deleted .trash/comfyui/2026-10/old.png");
  }

  @Test
  void linksInAnOutputFolderAreNeitherFollowedNorMoved() throws Exception {
    Path elsewhere = Files.write(Files.createTempFile("precious", ".safetensors"), new byte[] {7});
    Files.setLastModifiedTime(elsewhere, FileTime.from(Instant.now().minus(Duration.ofDays(100))));
    Files.createDirectories(outputs.resolve("comfyui"));
    Files.createSymbolicLink(outputs.resolve("comfyui/link.safetensors"), elsewhere);
    assertThat(apply(Clock.systemUTC(), false)).isEqualTo(new OutputRetention.Result(0, 0));
    assertThat(Files.isSymbolicLink(outputs.resolve("comfyui/link.safetensors"))).isTrue();
    assertThat(Files.readAllBytes(elsewhere)).containsExactly(7);
  }

  /** A share user links .trash to another folder: the purge never deletes there, the link is replaced by a real folder. */
  @Test
  void aTrashThatIsALinkIsNeverPurgedThrough(@TempDir Path elsewhere) throws Exception {
    Path precious = Files.createDirectories(elsewhere.resolve("comfyui")).resolve("model.safetensors");
    Files.write(precious, new byte[] {7});
    Files.createSymbolicLink(outputs.resolve(".trash"), elsewhere);
    Clock later = Clock.offset(Clock.systemUTC(), Duration.ofDays(30));
    assertThat(apply(later, false)).isEqualTo(new OutputRetention.Result(0, 0));
    assertThat(Files.readAllBytes(precious)).containsExactly(7);
    assertThat(Files.isSymbolicLink(outputs.resolve(".trash"))).isFalse();
  }

  /** An artist takes a file back from the trash (SMB keeps its old modification time): it counts from its return, not retired again. */
  @Test
  void aFileTakenBackFromTheTrashCountsFromItsReturn() throws Exception {
    file("comfyui/back.png", Duration.ofDays(40)); // an old modification time, but changed (put back) just now
    assertThat(apply(Clock.systemUTC(), false)).isEqualTo(new OutputRetention.Result(0, 0));
    assertThat(files()).containsExactly("comfyui/back.png");
  }
}
