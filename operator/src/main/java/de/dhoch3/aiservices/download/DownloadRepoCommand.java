package de.dhoch3.aiservices.download;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.dhoch3.aiservices.download.Outcome.Result;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A whole Hugging Face repository at a revision, into the shared hub cache in the layout
 * huggingface_hub reads (file_download.py: {@code models--<org>--<name>/blobs/<etag>},
 * {@code snapshots/<commit>/<file>} a relative link to the blob, {@code refs/<revision>} holding
 * the commit): an app whose own cache links this repository (storage.caches) loads it without a
 * download. The file list and each file's blob id and LFS sha256 come from the Hub's model API
 * ({@code /api/models/<repo>/revision/<revision>?blobs=true}); every file goes through the same
 * resumable, verified, never-overwriting download as single files.
 */
@Command(name = "download-repo", mixinStandardHelpOptions = true,
    description = {"Download a Hugging Face repository at a revision into a hub cache folder (models--<org>--<name>).",
        "Token: environment variable DOWNLOAD_TOKEN (sent only to --endpoint). Exit codes as for download."})
public final class DownloadRepoCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--repo", required = true, description = "owner/name, e.g. black-forest-labs/FLUX.1-dev.")
  String repo;

  @Option(names = "--revision", defaultValue = "main", description = "Branch, tag or commit (default: ${DEFAULT-VALUE}).")
  String revision;

  @Option(names = "--dir", required = true, description = "The repository's folder in the hub cache (models--<org>--<name>, mounted).")
  Path dir;

  @Option(names = "--endpoint", defaultValue = "https://huggingface.co", description = "The Hub (default: ${DEFAULT-VALUE}).")
  String endpoint;

  @Option(names = "--result-file", defaultValue = "/dev/termination-log", description = "One-line JSON result (default: ${DEFAULT-VALUE}).")
  Path resultFile;

  @Option(names = "--progress-file", defaultValue = "/tmp/progress", description = "Progress of the file being fetched.")
  Path progressFile;

  @Option(names = "--retry-delay-ms", defaultValue = "2000", description = "First retry delay (default: ${DEFAULT-VALUE}).")
  long retryDelayMs;

  @Option(names = "--allow-private-addresses", description = "Also connect to loopback and private addresses (a local test server).")
  boolean allowPrivateAddresses;

  @Spec
  CommandSpec spec;

  private final Function<String, String> env;

  public DownloadRepoCommand() {
    this(System::getenv);
  }

  DownloadRepoCommand(Function<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String token = env.apply(DownloadCommand.TOKEN_ENV);
    token = token == null || token.isBlank() ? null : token.trim();
    String where = dir.getFileName() == null ? repo : dir.getFileName().toString();
    Outcome outcome;
    try {
      if (!repo.matches("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*") || repo.contains("..")
          || !revision.matches("[A-Za-z0-9._-][A-Za-z0-9._/-]*") || revision.contains("..") || revision.contains("//") || revision.endsWith("/")) {
        throw new IllegalArgumentException("--repo must be owner/name and --revision a branch, tag or commit");
      }
      outcome = fetch(token, out, where);
    } catch (IllegalArgumentException e) {
      outcome = Outcome.error(Result.Invalid, where, e.getMessage()).redact(token);
    } catch (IOException e) {
      outcome = Outcome.error(Result.Failed, where, e.getMessage()).redact(token);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome = Outcome.error(Result.Failed, where, "interrupted");
    }
    return outcome.report(resultFile, out, err);
  }

  /** snapshots/<commit>/<file> -> ../../blobs/<blob>, relative as huggingface_hub makes them. */
  private static void link(Path snapshot, Path target, Path blob) throws IOException {
    Files.createDirectories(target.getParent());
    if (!Files.isSymbolicLink(target)) {
      Files.deleteIfExists(target);
      Files.createSymbolicLink(target, target.getParent().relativize(blob));
    }
  }

  /** Git's id of a file's content: sha1 of "blob <size>\0<content>" (the Hub's blobId of a file not in LFS). */
  static String gitBlobId(Path file) throws IOException {
    try {
      java.security.MessageDigest sha1 = java.security.MessageDigest.getInstance("SHA-1");
      sha1.update(("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.UTF_8));
      try (var in = Files.newInputStream(file)) {
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
          sha1.update(buffer, 0, n);
        }
      }
      return java.util.HexFormat.of().formatHex(sha1.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Outcome fetch(String token, PrintWriter out, String where) throws IOException, InterruptedException {
    URI api = URI.create(endpoint + "/api/models/" + repo + "/revision/" + URLEncoder.encode(revision, StandardCharsets.UTF_8) + "?blobs=true");
    Downloader.checkScheme(api, null);
    Destinations.check(api, allowPrivateAddresses);
    HttpRequest.Builder request = HttpRequest.newBuilder(api).timeout(Duration.ofMinutes(2)).header("User-Agent", "aiservice-operator-download");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build()
        .send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 404) {
      return Outcome.error(Result.NotFound, where, "the Hub has no repository " + repo + " at " + revision + " (404)");
    }
    if (response.statusCode() == 401 || response.statusCode() == 403) {
      return Outcome.error(Result.Unauthorized, where, "the Hub refuses " + repo + " (" + response.statusCode() + "); "
          + (token == null ? "no token was given" : "a token was given"));
    }
    if (response.statusCode() != 200) {
      return Outcome.error(Result.Failed, where, "the Hub answered " + response.statusCode() + " for " + repo);
    }
    JsonNode info = JSON.readTree(response.body());
    String commit = info.path("sha").asText("");
    if (!commit.matches("[0-9a-f]{40}")) {
      return Outcome.error(Result.Failed, where, "the Hub's answer names no commit for " + repo + " at " + revision);
    }
    if (!info.path("siblings").isArray() || info.path("siblings").isEmpty()) {
      return Outcome.error(Result.Failed, where, "the Hub lists no files for " + repo + " at " + revision);
    }
    Path blobs = Files.createDirectories(dir.resolve("blobs"));
    Path snapshot = dir.resolve("snapshots").resolve(commit);
    long total = 0;
    for (JsonNode sibling : info.path("siblings")) {
      String file = sibling.path("rfilename").asText("");
      Path target = snapshot.resolve(file).normalize();
      if (file.isEmpty() || file.startsWith("/") || !target.startsWith(snapshot) || target.equals(snapshot) || file.contains("\\")
          || java.util.Arrays.stream(file.split("/")).anyMatch(segment -> segment.isEmpty() || segment.equals(".") || segment.equals(".."))) {
        return Outcome.error(Result.Failed, where, "the Hub named a file outside the repository: " + file);
      }
      JsonNode lfs = sibling.path("lfs");
      String blob = lfs.hasNonNull("sha256") ? lfs.get("sha256").asText() : sibling.path("blobId").asText("");
      if (!blob.matches("[0-9a-f]{40}|[0-9a-f]{64}")) {
        return Outcome.error(Result.Failed, where, "the Hub gave no blob id for " + file);
      }
      URI url = URI.create(endpoint + "/" + repo + "/resolve/" + commit + "/"
          + String.join("/", java.util.Arrays.stream(file.split("/")).map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20")).toList()));
      boolean git = !lfs.hasNonNull("sha256");
      if (git && Files.isRegularFile(blobs.resolve(blob)) && blob.equals(gitBlobId(blobs.resolve(blob)))) {
        total += Files.size(blobs.resolve(blob));
        link(snapshot, target, blobs.resolve(blob));
        continue; // a small git file already fetched, checked without a request
      }
      Downloader.Options options = new Downloader.Options(url, blobs, blob, lfs.hasNonNull("sha256") ? blob : null,
          lfs.hasNonNull("size") ? lfs.get("size").asLong() : null, token, progressFile, 5, Duration.ofMillis(retryDelayMs),
          Duration.ofMinutes(2), allowPrivateAddresses, Downloader.DEFAULT_CONNECTIONS);
      Outcome one = new Downloader(options, out).run();
      if (!one.ok()) {
        return one;
      }
      if (git && !blob.equals(gitBlobId(blobs.resolve(blob)))) {
        Files.delete(blobs.resolve(blob));
        return Outcome.error(Result.ChecksumMismatch, where, file + " does not match its git blob id " + blob + "; removed");
      }
      total += Files.size(blobs.resolve(blob));
      link(snapshot, target, blobs.resolve(blob));
    }
    // refs/<revision>: written last, atomically, so a cut run never names a commit it did not finish
    Path refs = Files.createDirectories(dir.resolve("refs"));
    Path ref = refs.resolve(revision);
    Files.createDirectories(ref.getParent());
    Path part = ref.resolveSibling("." + ref.getFileName() + ".part");
    Files.writeString(part, commit);
    Files.move(part, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return Outcome.done(Result.Downloaded, total, null, where + "@" + commit, null);
  }
}
