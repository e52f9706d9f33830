package de.dhoch3.aiservices.download;

import de.dhoch3.aiservices.download.Outcome.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one file into a store folder: into {@code .<file>.part}, resumed with a Range request
 * after a cut connection, checked against the size and sha256, then renamed atomically. An
 * existing file is never replaced.
 *
 * <p>Redirects are followed here, not by HttpClient: the JDK's HttpClient sends the request's
 * headers, Authorization included, to whatever host a redirect names (Hugging Face and Civitai
 * redirect to CDNs with signed URLs). The token goes only to the origin of {@code --url}.
 */
public final class Downloader {

  /**
   * What to fetch and where to; {@code size}, {@code sha256}, {@code token} and {@code progressFile}
   * may be null. {@code connections}: at most this many parallel ranges when the server offers
   * ranges and the file is large enough (1: one stream).
   */
  public record Options(URI url, Path dir, String file, String sha256, Long size, String token, Path progressFile,
      int attempts, Duration retryDelay, Duration stallTimeout, boolean allowPrivateAddresses, int connections) {}

  static final int MAX_REDIRECTS = 10;
  /** Parallel ranges by default: Hugging Face's CDN and Civitai's storage cap a single stream well below a studio's line. */
  public static final int DEFAULT_CONNECTIONS = 4;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration HEADERS_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(5);
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes \\*/(\\d+)");

  private final Options o;
  private final PrintWriter log;
  private final Path target;
  private final Path part;
  private final Progress progress;
  private final HttpClient http;
  /** Set when the server announced ranges and did not serve them. */
  private boolean singleStream;
  private final ScheduledExecutorService watchdog = Executors.newScheduledThreadPool(1, r -> {
    Thread t = new Thread(r, "download-stall-watchdog");
    t.setDaemon(true);
    return t;
  });

  public Downloader(Options options, PrintWriter log) {
    this.o = options;
    this.log = log;
    this.target = StoreFile.resolve(options.dir(), options.file());
    this.part = StoreFile.partOf(target);
    this.progress = new Progress(options.progressFile(), options.file(), log);
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(CONNECT_TIMEOUT)
        .build();
    checkScheme(options.url(), null);
    Destinations.check(options.url(), options.allowPrivateAddresses());
  }

  public Outcome run() {
    try {
      return (StoreFile.exists(target) ? existing() : download(watchdog)).redact(o.token());
    } catch (IOException e) {
      return Outcome.error(Result.Failed, o.file(), describe(e)).redact(o.token());
    } catch (IllegalArgumentException e) {
      return Outcome.error(Result.Failed, o.file(), e.getMessage()).redact(o.token()); // a redirect to http or a bad Location
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.error(Result.Failed, o.file(), "interrupted").redact(o.token());
    } finally {
      watchdog.shutdownNow();
    }
  }


  /** The final name is taken: fine when it is the same file, a conflict otherwise. Nothing is written. */
  private Outcome existing() throws IOException, InterruptedException {
    if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
      return conflict(o.file() + " exists and is not a regular file; it is kept");
    }
    long have = Files.size(target);
    if (o.sha256() != null) {
      String sha = StoreFile.sha256(target);
      return sha.equals(o.sha256())
          ? Outcome.done(Result.AlreadyPresent, have, sha, o.file(), "already present")
          : conflict(o.file() + " exists with sha256 " + sha + ", expected " + o.sha256() + "; it is kept");
    }
    OptionalLong want = o.size() != null ? OptionalLong.of(o.size()) : remoteLength();
    if (want.isEmpty()) {
      return conflict(o.file() + " exists; without --sha256 or --size, and with no length from the server, it cannot be compared; it is kept");
    }
    return have == want.getAsLong()
        ? Outcome.done(Result.AlreadyPresent, have, null, o.file(), "already present (same size; no --sha256 given)")
        : conflict(o.file() + " exists with " + have + " bytes, expected " + want.getAsLong() + "; it is kept");
  }

  private OptionalLong remoteLength() throws IOException, InterruptedException {
    HttpResponse<InputStream> response = open(0);
    response.body().close();
    return response.statusCode() == 200 ? response.headers().firstValueAsLong("Content-Length") : OptionalLong.empty();
  }

  private Outcome download(ScheduledExecutorService watchdog) throws IOException, InterruptedException {
    log.printf("downloading %s from %s%s%n", o.file(), Redact.url(o.url()), o.token() != null ? " (with token)" : "");
    log.flush();
    int failures = 0;
    while (true) {
      long before = progressed();
      String reason;
      Duration wait = Duration.ZERO;
      try {
        return attempt(watchdog);
      } catch (Retry e) {
        reason = e.getMessage();
        wait = e.after;
      } catch (IOException e) {
        reason = describe(e);
      }
      // an attempt that added bytes does not count: a long download may be cut many times
      failures = progressed() > before ? 1 : failures + 1;
      if (failures >= o.attempts()) {
        return Outcome.error(Result.Failed, o.file(), "gave up after " + failures + " attempts without progress: " + reason);
      }
      Duration backoff = o.retryDelay().multipliedBy(1L << Math.min(failures - 1, 10));
      Duration delay = min(max(backoff, wait), MAX_RETRY_DELAY);
      log.printf("attempt failed (%s); retrying in %d ms%n", Redact.mask(reason, o.token()), delay.toMillis());
      log.flush();
      Thread.sleep(delay.toMillis());
    }
  }

  /** One request: a final outcome, or Retry / IOException for the caller to try again. */
  private Outcome attempt(ScheduledExecutorService watchdog) throws IOException, InterruptedException, Retry {
    RangedDownload left = singleStream ? null : RangedDownload.resume(this, part, o.size());
    if (left != null) {
      return ranged(left, null);
    }
    if (Files.exists(RangedDownload.stateOf(part), LinkOption.NOFOLLOW_LINKS)) {
      // a ranged part whose state cannot be trusted has holes anywhere: never taken as one stream's beginning
      dropPart();
    }
    RangedDownload.discard(part);
    long have = partSize();
    if (o.size() != null && have > o.size()) {
      Files.delete(part);
      have = 0;
    }
    if (o.size() != null && have == o.size() && StoreFile.exists(part)) {
      return finish(have, StoreFile.hex(StoreFile.digest(part, StoreFile.newDigest())));
    }
    HttpResponse<InputStream> response = open(have);
    int status = response.statusCode();
    long total;
    boolean append;
    if (status == 206 && have > 0) {
      Matcher range = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
      long announced = announcedTotal();
      if (!range.matches() || Long.parseLong(range.group(1)) != have
          || announced >= 0 && !range.group(3).equals(String.valueOf(announced))) {
        // another start, or another file than the one the part began with: never a mix of two
        response.body().close();
        dropPart();
        Files.deleteIfExists(totalOf(part));
        throw new Retry("the server answered another range or file than bytes=" + have + "- of the same file; starting over", Duration.ZERO);
      }
      total = range.group(3).equals("*") ? -1 : Long.parseLong(range.group(3));
      append = true;
    } else if (status == 200) {
      if (have > 0) {
        log.printf("the server does not resume (200 to a Range request); starting over%n");
      }
      total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      append = false;
      // the length the part begins with: a resumed range must be of the same file
      Files.deleteIfExists(totalOf(part));
      if (total >= 0) {
        Files.writeString(totalOf(part), String.valueOf(total));
      }
      int ranges = singleStream ? 1 : RangedDownload.ranges(total, o.connections());
      if (ranges > 1 && (o.size() == null || o.size() == total)
          && response.headers().allValues("Accept-Ranges").stream().anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("bytes"))) {
        // this response serves the first range; the others get their own connections
        return ranged(RangedDownload.start(this, part, total, ranges), response);
      }
    } else {
      response.body().close();
      return refused(response, have);
    }
    if (o.size() != null && total >= 0 && total != o.size()) {
      dropPart();
      return Outcome.error(Result.ChecksumMismatch, o.file(), "the server announces " + total + " bytes, expected " + o.size());
    }
    MessageDigest digest = append ? StoreFile.digest(part, StoreFile.newDigest()) : StoreFile.newDigest();
    long done = receive(response.body(), append ? have : 0, total, digest, watchdog);
    if (total >= 0 && done != total) {
      throw new Retry("the connection ended after " + done + " of " + total + " bytes", Duration.ZERO);
    }
    return finish(done, StoreFile.hex(digest));
  }

  /** A ranged download to its end: the part file checked and published as one stream's would be. */
  private Outcome ranged(RangedDownload ranged, HttpResponse<InputStream> first) throws IOException, InterruptedException {
    if (first == null) {
      log.printf("resuming %s in ranges at %d of %d bytes%n", o.file(), ranged.received(), ranged.total());
      log.flush();
    }
    String sha;
    try {
      sha = ranged.run(first, progress);
    } catch (RangedDownload.RangesRefused e) {
      // announced ranges, then did not serve them: one stream from the start
      singleStream = true;
      RangedDownload.discard(part);
      dropPart();
      throw e;
    }
    RangedDownload.discard(part);
    return finish(ranged.total(), sha);
  }

  /** A status other than 200/206: final for 4xx, Retry for 408, 429 and 5xx. */
  private Outcome refused(HttpResponse<?> response, long have) throws IOException, Retry {
    int status = response.statusCode();
    String where = Redact.url(response.uri());
    if (status == 416 && have > 0) {
      Matcher m = UNSATISFIED_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
      if (m.matches() && Long.parseLong(m.group(1)) == have) {
        return finish(have, StoreFile.hex(StoreFile.digest(part, StoreFile.newDigest())));
      }
      dropPart();
      throw new Retry("the server cannot resume at byte " + have + " (416); starting over", Duration.ZERO);
    }
    if (status == 404 || status == 410) {
      dropPart();
      return Outcome.error(Result.NotFound, o.file(), "not found: " + where + " answered " + status);
    }
    if (status == 401 || status == 403) {
      return Outcome.error(Result.Unauthorized, o.file(), "unauthorized: " + where + " answered " + status + ", "
          + (o.token() != null ? "a token was given (DOWNLOAD_TOKEN) and refused" : "no token was given (DOWNLOAD_TOKEN is not set)"));
    }
    if (status == 408 || status == 429 || status >= 500) {
      throw new Retry(where + " answered " + status, retryAfter(response));
    }
    return Outcome.error(Result.Failed, o.file(), where + " answered unexpected status " + status);
  }

  /** Closes a response body when no byte came for the stall timeout; {@link #touch()} on every read. */
  final class Guard implements AutoCloseable {
    private final AtomicLong lastByte = new AtomicLong(System.nanoTime());
    private final AtomicBoolean stalled = new AtomicBoolean();
    private final ScheduledFuture<?> dog;

    Guard(InputStream body) {
      long stallNanos = o.stallTimeout().toNanos();
      long period = Math.max(10, Math.min(1000, o.stallTimeout().toMillis() / 4));
      dog = watchdog.scheduleAtFixedRate(() -> {
        if (System.nanoTime() - lastByte.get() > stallNanos && stalled.compareAndSet(false, true)) {
          try {
            body.close();
          } catch (IOException ignored) {
            // the reader fails either way
          }
        }
      }, period, period, TimeUnit.MILLISECONDS);
    }

    void touch() {
      lastByte.set(System.nanoTime());
    }

    /** The reader's failure, said as a stall when the watchdog caused it. */
    IOException explain(IOException e, long bytes) {
      return stalled.get() ? new IOException("no data for " + o.stallTimeout().toMillis() + " ms after " + bytes + " bytes", e) : e;
    }

    @Override
    public void close() {
      dog.cancel(false);
    }
  }

  Guard guard(InputStream body) {
    return new Guard(body);
  }

  /**
   * Appends the body to the part file, hashing beside it (the reader never waits for the checksum
   * unless all buffers are being hashed); the watchdog closes the body when no byte came for the
   * stall timeout.
   */
  private long receive(InputStream body, long offset, long total, MessageDigest digest, ScheduledExecutorService watchdog)
      throws IOException, InterruptedException {
    long done = offset;
    StandardOpenOption mode = offset > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
    try (body; Guard guard = new Guard(body); StreamingDigest hashing = new StreamingDigest(digest, 4);
        FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode, LinkOption.NOFOLLOW_LINKS)) {
      for (boolean end = false; !end; ) {
        byte[] buffer = hashing.buffer();
        // a large buffer filled by several reads; what came before a cut is kept
        int n = 0;
        IOException cut = null;
        try {
          for (int r; n < buffer.length; n += r) {
            r = body.read(buffer, n, buffer.length - n);
            if (r < 0) {
              end = true;
              break;
            }
            guard.touch();
          }
        } catch (IOException e) {
          cut = e;
        }
        if (n == 0) {
          hashing.giveBack(buffer);
        } else {
          ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
          while (chunk.hasRemaining()) {
            out.write(chunk);
          }
          hashing.hash(buffer, n);
          done += n;
          progress.update(done, total);
        }
        if (cut != null) {
          throw guard.explain(cut, done);
        }
      }
      hashing.finish();
      out.force(true);
    }
    return done;
  }

  /** Checks the complete part file and renames it to the final name. */
  private Outcome finish(long bytes, String sha) throws IOException {
    progress.write(bytes, bytes);
    if (o.size() != null && bytes != o.size()) {
      dropPart();
      return Outcome.error(Result.ChecksumMismatch, o.file(), "received " + bytes + " bytes, expected " + o.size());
    }
    if (o.sha256() != null && !sha.equals(o.sha256())) {
      dropPart();
      return Outcome.error(Result.ChecksumMismatch, o.file(), "received sha256 " + sha + ", expected " + o.sha256());
    }
    Files.deleteIfExists(totalOf(part));
    if (!StoreFile.publish(part, target)) {
      dropPart();
      return conflict(o.file() + " appeared while downloading; it is kept");
    }
    log.printf("downloaded %s: %d bytes, sha256 %s%n", o.file(), bytes, sha);
    log.flush();
    return Outcome.done(Result.Downloaded, bytes, sha, o.file(), null);
  }

  /** GET with manual redirects; Authorization only for the origin of --url, Range on every hop. */
  private HttpResponse<InputStream> open(long from) throws IOException, InterruptedException {
    return open(from, -1);
  }

  /** As above, for the bytes {@code from} to {@code to} (inclusive; -1: to the end). */
  HttpResponse<InputStream> open(long from, long to) throws IOException, InterruptedException {
    URI uri = o.url();
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(HEADERS_TIMEOUT)
          .header("User-Agent", "aiservice-operator-download");
      if (from > 0 || to >= 0) {
        request.header("Range", "bytes=" + from + "-" + (to >= 0 ? String.valueOf(to) : ""));
      }
      if (o.token() != null && sameOrigin(uri, o.url())) {
        request.header("Authorization", "Bearer " + o.token());
      }
      HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      int status = response.statusCode();
      if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
        return response;
      }
      response.body().close();
      String location = response.headers().firstValue("Location")
          .orElseThrow(() -> new IOException(Redact.url(response.uri()) + " redirected (" + status + ") without a Location"));
      URI next = uri.resolve(location.trim());
      checkScheme(next, uri);
      Destinations.check(next, o.allowPrivateAddresses());
      uri = next;
    }
    throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + Redact.url(o.url()));
  }

  /** https, or http to this machine (tests); a redirect never goes from https to http. */
  static void checkScheme(URI uri, URI from) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean ok = uri.getHost() != null && (scheme.equals("https") || scheme.equals("http") && isLoopback(uri.getHost()));
    if (from != null && "https".equalsIgnoreCase(from.getScheme()) && !scheme.equals("https")) {
      ok = false;
    }
    if (!ok) {
      throw new IllegalArgumentException((from == null ? "--url" : "a redirect") + " must be an https URL: " + Redact.url(uri));
    }
  }

  private static boolean isLoopback(String host) {
    // IP literals only: a name that merely begins with 127. is anybody's
    return host.equalsIgnoreCase("localhost") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}") || host.equals("[::1]");
  }

  static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
  }

  private static int port(URI uri) {
    return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  /** The part and what it began with: gone together. */
  private void dropPart() throws IOException {
    Files.deleteIfExists(part);
    Files.deleteIfExists(totalOf(part));
  }

  static Path totalOf(Path part) {
    return part.resolveSibling(part.getFileName() + ".total");
  }

  /** The length the server announced when the part began (-1: unknown). */
  private long announcedTotal() {
    try {
      return Long.parseLong(Files.readString(totalOf(part)).trim());
    } catch (IOException | NumberFormatException unknown) {
      return -1;
    }
  }

  /** Bytes received so far: what the ranges wrote, or the part's length for one stream. */
  private long progressed() throws IOException {
    RangedDownload ranged = RangedDownload.resume(this, part, o.size());
    return ranged != null ? ranged.received() : partSize();
  }

  private long partSize() throws IOException {
    return StoreFile.exists(part) ? Files.size(part) : 0;
  }

  private Outcome conflict(String message) {
    return Outcome.error(Result.Conflict, o.file(), message);
  }

  private static Duration retryAfter(HttpResponse<?> response) {
    try {
      OptionalLong seconds = response.headers().firstValueAsLong("Retry-After");
      return seconds.isPresent() ? Duration.ofSeconds(Math.max(0, seconds.getAsLong())) : Duration.ZERO;
    } catch (NumberFormatException dateForm) {
      return Duration.ZERO;
    }
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** A failure worth another attempt, optionally after the server's Retry-After. */
  private static final class Retry extends Exception {
    final Duration after;

    Retry(String message, Duration after) {
      super(message, null, false, false);
      this.after = after;
    }
  }
}
