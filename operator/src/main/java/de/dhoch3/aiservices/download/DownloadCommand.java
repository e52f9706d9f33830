package de.dhoch3.aiservices.download;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The program an AIModel's download Job runs: one file into one category folder of the store. */
@Command(name = "download", mixinStandardHelpOptions = true,
    description = {"Download one model file into a store folder: resumable, verified, never overwriting.",
        "Token: environment variable DOWNLOAD_TOKEN (sent as 'Authorization: Bearer', only to the origin of --url).",
        "Exit codes: 0 downloaded or already present, 1 other failure, 2 invalid arguments, 3 not found,",
        "4 unauthorized, 5 size or checksum mismatch, 6 a different file exists (kept)."})
public final class DownloadCommand implements Callable<Integer> {

  static final String TOKEN_ENV = "DOWNLOAD_TOKEN";

  @Option(names = "--url", required = true, description = "https URL of the file (Hugging Face resolve or Civitai download URL).")
  String url;

  @Option(names = "--dir", required = true, description = "The category folder (mounted; not created).")
  Path dir;

  @Option(names = "--file", required = true, description = "File name in --dir: one path segment.")
  String file;

  @Option(names = "--sha256", description = "Expected sha256 (hex).")
  String sha256;

  @Option(names = "--size", description = "Expected size in bytes.")
  Long size;

  @Option(names = "--progress-file", defaultValue = "/tmp/progress", description = "Progress as {\"bytes\":N,\"total\":T} (default: ${DEFAULT-VALUE}).")
  Path progressFile;

  @Option(names = "--result-file", defaultValue = "/dev/termination-log", description = "One-line JSON result (default: ${DEFAULT-VALUE}).")
  Path resultFile;

  @Option(names = "--attempts", defaultValue = "5", description = "Attempts without progress before giving up (default: ${DEFAULT-VALUE}).")
  int attempts;

  @Option(names = "--retry-delay-ms", defaultValue = "2000", description = "First retry delay, doubled per failed attempt (default: ${DEFAULT-VALUE}).")
  long retryDelayMs;

  @Option(names = "--stall-timeout-ms", defaultValue = "120000", description = "Reconnect when no byte came for this long (default: ${DEFAULT-VALUE}).")
  long stallTimeoutMs;

  @Option(names = "--connections", defaultValue = "" + Downloader.DEFAULT_CONNECTIONS, description = "Parallel ranges for a large file when the"
      + " server offers ranges; 1: one stream (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--allow-private-addresses", description = "Also connect to loopback, link-local and private addresses"
      + " (a local test server, an internal mirror). The operator's Jobs never set it.")
  boolean allowPrivateAddresses;

  @Spec
  CommandSpec spec;

  private final Function<String, String> env;

  public DownloadCommand() {
    this(System::getenv);
  }

  DownloadCommand(Function<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String token = env.apply(TOKEN_ENV);
    token = token == null || token.isBlank() ? null : token.trim();
    Outcome outcome;
    try {
      if (attempts < 1 || retryDelayMs < 0 || stallTimeoutMs < 1 || size != null && size < 0 || connections < 1 || connections > 32) {
        throw new IllegalArgumentException("--attempts and --stall-timeout-ms must be positive, --retry-delay-ms and --size not negative,"
            + " --connections 1 to 32");
      }
      Downloader.Options options = new Downloader.Options(parse(url), dir, file, StoreFile.checkSha256(sha256), size, token,
          progressFile, attempts, Duration.ofMillis(retryDelayMs), Duration.ofMillis(stallTimeoutMs),
          allowPrivateAddresses, connections);
      outcome = new Downloader(options, out).run();
    } catch (IllegalArgumentException e) {
      outcome = Outcome.error(Outcome.Result.Invalid, file, e.getMessage()).redact(token);
    }
    return outcome.report(resultFile, out, err);
  }

  private static URI parse(String url) {
    try {
      return new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--url is not a URL: " + e.getReason());
    }
  }
}
