package de.dhoch3.aiservices.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PfxOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The download benchmark's own HTTPS server on the loopback interface (Vert.x, the embedded API
 * server's HTTP stack): serves up to {@code size} deterministic bytes at /bytes/&lt;n&gt;, answers
 * Range requests (206), and can simulate a slow link: a delay before each response (the round
 * trips to a far server) and a bandwidth cap per connection (what a CDN or a congested path gives
 * one TCP stream). Its certificate is made by the JDK's keytool at start and trusted by
 * {@link #clientContext()} only.
 */
public final class LocalTlsServer implements AutoCloseable {
  private static final Pattern PATH = Pattern.compile("/bytes/(\\d{1,18})");
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
  private static final String PASSWORD = "bench-only";
  private static final int CHUNK = 256 << 10;
  private final long size;
  private final Buffer block;
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
  private final HttpServer server;
  private final SSLContext clientContext;
  private volatile long bytesPerSecondPerConnection;
  private volatile Duration latency = Duration.ZERO;

  public LocalTlsServer(long size, Path work) throws Exception {
    this.size = size;
    byte[] bytes = new byte[1 << 20];
    new Random(42).nextBytes(bytes);
    // twice the block: any CHUNK-long slice starting inside the first copy is one contiguous slice
    block = Buffer.buffer(bytes.length * 2).appendBytes(bytes).appendBytes(bytes);
    Path keystore = work.resolve("bench-server.p12");
    Files.deleteIfExists(keystore);
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
        "-alias", "bench", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
        .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (keytool.waitFor() != 0) {
      throw new IOException("keytool could not make the benchmark's certificate: " + output);
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      keys.load(in, PASSWORD.toCharArray());
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(keys);
    clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, trust.getTrustManagers(), null);
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
            .setKeyCertOptions(new PfxOptions().setPath(keystore.toString()).setPassword(PASSWORD)))
        .requestHandler(this::handle);
    server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A context whose only trusted certificate is this server's. */
  public SSLContext clientContext() {
    return clientContext;
  }

  /** The URL of a file of {@code bytes} bytes (at most the server's size). */
  public URI url(long bytes) {
    return URI.create("https://127.0.0.1:" + server.actualPort() + "/bytes/" + bytes);
  }

  /** A slow link from now on: each response waits {@code latency}, each connection gets at most this many bytes per second (0: no cap). */
  public void slowLink(long bytesPerSecondPerConnection, Duration latency) {
    this.bytesPerSecondPerConnection = bytesPerSecondPerConnection;
    this.latency = latency;
  }

  private void handle(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    Matcher path = PATH.matcher(request.path());
    if (!path.matches() || Long.parseLong(path.group(1)) > size) {
      response.setStatusCode(404).end();
      return;
    }
    long fileSize = Long.parseLong(path.group(1));
    long delay = latency.toMillis();
    if (delay > 0) {
      vertx.setTimer(delay, t -> respond(request, response, fileSize));
    } else {
      respond(request, response, fileSize);
    }
  }

  private void respond(HttpServerRequest request, HttpServerResponse response, long fileSize) {
    long from = 0;
    long to = fileSize - 1;
    String range = request.getHeader("Range");
    Matcher m = range == null ? null : RANGE.matcher(range);
    response.putHeader("Accept-Ranges", "bytes");
    if (m != null && m.matches()) {
      from = Long.parseLong(m.group(1));
      if (!m.group(2).isEmpty()) {
        to = Math.min(to, Long.parseLong(m.group(2)));
      }
      if (from >= fileSize || from > to) {
        response.putHeader("Content-Range", "bytes */" + fileSize).setStatusCode(416).end();
        return;
      }
      response.setStatusCode(206).putHeader("Content-Range", "bytes " + from + "-" + to + "/" + fileSize);
    }
    response.putHeader("Content-Length", String.valueOf(to - from + 1));
    new Sender(response, from, to + 1, bytesPerSecondPerConnection).next();
  }

  /** Writes a range with the response's back pressure, and under the cap when there is one. */
  private final class Sender {
    private final HttpServerResponse response;
    private final long end;
    private final long cap;
    private final long started = System.nanoTime();
    private long at;
    private long sent;

    Sender(HttpServerResponse response, long from, long end, long cap) {
      this.response = response;
      this.at = from;
      this.end = end;
      this.cap = cap;
      response.exceptionHandler(e -> this.at = this.end); // the client went away: stop
    }

    void next() {
      while (at < end) {
        if (response.closed()) {
          return;
        }
        if (response.writeQueueFull()) {
          response.drainHandler(v -> next());
          return;
        }
        if (cap > 0) {
          long ahead = sent * 1_000_000_000L / cap - (System.nanoTime() - started);
          if (ahead > 1_000_000) {
            vertx.setTimer(ahead / 1_000_000, t -> next());
            return;
          }
        }
        int offset = (int) (at % (1 << 20));
        int n = (int) Math.min(cap > 0 ? Math.max(16 << 10, Math.min(CHUNK, cap / 50)) : CHUNK, end - at);
        response.write(block.slice(offset, offset + n));
        at += n;
        sent += n;
      }
      response.end();
    }
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
