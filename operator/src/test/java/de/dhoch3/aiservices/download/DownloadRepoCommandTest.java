package de.dhoch3.aiservices.download;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A whole repository into the hub cache, against a stand-in of the Hub's model API and resolve
 * endpoint. The expected layout is huggingface_hub's own (file_download.py, _create_symlink and
 * _cache_commit_hash_for_specific_revision): blobs named by etag (the LFS sha256, else the git
 * blob id), snapshots/<commit>/<file> relative links to them, refs/<revision> holding the commit.
 */
class DownloadRepoCommandTest {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final byte[] WEIGHTS = "flux transformer weights".getBytes(StandardCharsets.UTF_8);
  private static final byte[] CONFIG = "{\"_class_name\": \"FluxTransformer2DModel\"}".getBytes(StandardCharsets.UTF_8);
  /** `git hash-object` of CONFIG, as the Hub gives it for a file not in LFS (computed by git, not by the code under test). */
  private static final String CONFIG_BLOB = "cde6aca1b87f26695c9875009d9585bdac6c7ee9";

  @TempDir
  Path tmp;
  HttpServer hub;
  final List<String> requests = new ArrayList<>();
  String token;

  @BeforeEach
  void startHub() throws Exception {
    hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hub.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      requests.add(path + " " + exchange.getRequestHeaders().getFirst("Authorization"));
      byte[] body;
      int status = 200;
      if (token != null && !("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        status = 401;
        body = new byte[0];
      } else if (path.equals("/api/models/black-forest-labs/FLUX.1-dev/revision/main")) {
        body = ("{\"sha\": \"" + COMMIT + "\", \"siblings\": ["
            + "{\"rfilename\": \"transformer/diffusion_pytorch_model.safetensors\", \"blobId\": \"" + "b".repeat(40) + "\","
            + " \"lfs\": {\"sha256\": \"" + sha256(WEIGHTS) + "\", \"size\": " + WEIGHTS.length + "}},"
            + "{\"rfilename\": \"transformer/config.json\", \"blobId\": \"" + CONFIG_BLOB + "\"}]}").getBytes(StandardCharsets.UTF_8);
      } else if (path.equals("/api/models/evil/repo/revision/main")) {
        body = ("{\"sha\": \"" + COMMIT + "\", \"siblings\": [{\"rfilename\": \"x/..\", \"blobId\": \"" + CONFIG_BLOB + "\"}]}")
            .getBytes(StandardCharsets.UTF_8);
      } else if (path.equals("/api/models/empty/repo/revision/main")) {
        body = ("{\"sha\": \"" + COMMIT + "\", \"siblings\": []}").getBytes(StandardCharsets.UTF_8);
      } else if (path.equals("/black-forest-labs/FLUX.1-dev/resolve/" + COMMIT + "/transformer/diffusion_pytorch_model.safetensors")) {
        body = WEIGHTS;
      } else if (path.equals("/black-forest-labs/FLUX.1-dev/resolve/" + COMMIT + "/transformer/config.json")) {
        body = CONFIG;
      } else {
        status = 404;
        body = new byte[0];
      }
      exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        exchange.getResponseBody().write(body);
      }
      exchange.close();
    });
    hub.start();
  }

  @AfterEach
  void stopHub() {
    hub.stop(0);
  }

  private int run(Map<String, String> env, Path dir, String repo) {
    CommandLine cli = new CommandLine(new DownloadRepoCommand(env::get));
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(new StringWriter()));
    return cli.execute("--repo", repo, "--dir", dir.toString(), "--endpoint", "http://127.0.0.1:" + hub.getAddress().getPort(),
        "--result-file", tmp.resolve("result").toString(), "--progress-file", tmp.resolve("progress").toString(),
        "--retry-delay-ms", "10", "--allow-private-addresses");
  }

  @Test
  void aRepositoryLandsInTheHubCacheLayoutHuggingfaceHubReads() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("hf-hub/models--black-forest-labs--FLUX.1-dev"));
    assertThat(run(Map.of(), dir, "black-forest-labs/FLUX.1-dev")).isZero();
    assertThat(dir.resolve("refs/main")).hasContent(COMMIT);
    Path snapshot = dir.resolve("snapshots/" + COMMIT);
    Path weights = snapshot.resolve("transformer/diffusion_pytorch_model.safetensors");
    assertThat(Files.readSymbolicLink(weights)).isEqualTo(Path.of("../../../blobs/" + sha256(WEIGHTS)));
    assertThat(Files.readAllBytes(weights)).isEqualTo(WEIGHTS);
    assertThat(Files.readSymbolicLink(snapshot.resolve("transformer/config.json"))).isEqualTo(Path.of("../../../blobs/" + CONFIG_BLOB));
    assertThat(Files.readAllBytes(dir.resolve("blobs/" + CONFIG_BLOB))).isEqualTo(CONFIG);
    JsonNode result = new ObjectMapper().readTree(tmp.resolve("result").toFile());
    assertThat(result.get("result").asText()).isEqualTo("Downloaded");
    assertThat(result.get("path").asText()).isEqualTo("models--black-forest-labs--FLUX.1-dev@" + COMMIT);
    // a second run finds every blob and fetches only the file list
    requests.clear();
    assertThat(run(Map.of(), dir, "black-forest-labs/FLUX.1-dev")).isZero();
    assertThat(requests).singleElement().asString().startsWith("/api/models/");
  }

  @Test
  void aGatedRepositoryNeedsTheTokenAndSaysSo() throws Exception {
    token = "hf_secret";
    Path dir = Files.createDirectories(tmp.resolve("hf-hub/models--black-forest-labs--FLUX.1-dev"));
    assertThat(run(Map.of(), dir, "black-forest-labs/FLUX.1-dev")).isEqualTo(4);
    assertThat(Files.readString(tmp.resolve("result"))).contains("no token was given");
    assertThat(run(Map.of("DOWNLOAD_TOKEN", "hf_secret"), dir, "black-forest-labs/FLUX.1-dev")).isZero();
    assertThat(Files.readString(tmp.resolve("result"))).doesNotContain("hf_secret");
  }

  @Test
  void anUnknownRepositoryIsNotFoundAndLeavesNoRef() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("hf-hub/models--nobody--nothing"));
    assertThat(run(Map.of(), dir, "nobody/nothing")).isEqualTo(3);
    assertThat(dir.resolve("refs")).doesNotExist();
  }

  @Test
  void aHostileOrEmptyAnswerOfTheHubWritesNothingAndIsNoSuccess() throws Exception {
    Path evil = Files.createDirectories(tmp.resolve("hf-hub/models--evil--repo"));
    assertThat(run(Map.of(), evil, "evil/repo")).isEqualTo(1);
    assertThat(Files.readString(tmp.resolve("result"))).contains("outside the repository");
    assertThat(evil.resolve("snapshots")).doesNotExist();
    Path empty = Files.createDirectories(tmp.resolve("hf-hub/models--empty--repo"));
    assertThat(run(Map.of(), empty, "empty/repo")).isEqualTo(1);
    assertThat(empty.resolve("refs")).doesNotExist();
  }

  @Test
  void aRevisionThatWouldLeaveTheFolderIsRefused() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("hf-hub/models--black-forest-labs--FLUX.1-dev"));
    CommandLine cli = new CommandLine(new DownloadRepoCommand(Map.<String, String>of()::get));
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(new StringWriter()));
    int exit = cli.execute("--repo", "black-forest-labs/FLUX.1-dev", "--revision", "/tmp/outside", "--dir", dir.toString(),
        "--result-file", tmp.resolve("result").toString(), "--allow-private-addresses");
    assertThat(exit).isEqualTo(2);
    assertThat(requests).isEmpty();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
