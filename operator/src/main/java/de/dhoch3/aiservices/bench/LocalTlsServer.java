package de.dhoch3.aiservices.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The download benchmark's own HTTPS server on the loopback interface: serves up to {@code size}
 * deterministic bytes at /bytes/<n>, answers Range requests (206), and can simulate a slow link: a
 * delay before each response (the round trips of a far server) and a bandwidth cap per connection
 * (what a CDN or a congested path gives one TCP stream). Its certificate is made by the JDK's
 * keytool at start and trusted by {@link #clientContext()} only.
 */
public final class LocalTlsServer implements AutoCloseable {
  private static final Pattern PATH = Pattern.compile("/bytes/(\\d{1,18})");
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
  private static final String PASSWORD = "bench-only";
  private final long size;
  private final byte[] block = new byte[1 << 20];
  private final HttpsServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread thread = new Thread(r, "bench-tls-server");
    thread.setDaemon(true);
    return thread;
  });
  private final SSLContext clientContext;
  private volatile long bytesPerSecondPerConnection;
  private volatile Duration latency = Duration.ZERO;

  public LocalTlsServer(long size, Path work) throws Exception {
    this.size = size;
    new Random(42).nextBytes(block);
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
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, PASSWORD.toCharArray());
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(keyManagers.getKeyManagers(), null, null);
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(keys);
    clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, trust.getTrustManagers(), null);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A context whose only trusted certificate is this server's. */
  public SSLContext clientContext() {
    return clientContext;
  }

  /** The URL of a file of {@code bytes} bytes (at most the server's size). */
  public URI url(long bytes) {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/bytes/" + bytes);
  }

  /** A slow link from now on: each response waits {@code latency}, each connection gets at most this many bytes per second (0: no cap). */
  public void slowLink(long bytesPerSecondPerConnection, Duration latency) {
    this.bytesPerSecondPerConnection = bytesPerSecondPerConnection;
    this.latency = latency;
  }

  /** The byte at {@code position} of the served file. */
  public byte byteAt(long position) {
    return block[(int) (position % block.length)];
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Matcher path = PATH.matcher(exchange.getRequestURI().getPath());
      if (!path.matches() || Long.parseLong(path.group(1)) > this.size) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      long size = Long.parseLong(path.group(1));
      sleep(latency.toNanos());
      long from = 0;
      long to = size - 1;
      String range = exchange.getRequestHeaders().getFirst("Range");
      Matcher m = range == null ? null : RANGE.matcher(range);
      exchange.getResponseHeaders().add("Accept-Ranges", "bytes");
      if (m != null && m.matches()) {
        from = Long.parseLong(m.group(1));
        if (!m.group(2).isEmpty()) {
          to = Math.min(to, Long.parseLong(m.group(2)));
        }
        if (from >= size || from > to) {
          exchange.getResponseHeaders().add("Content-Range", "bytes */" + size);
          exchange.sendResponseHeaders(416, -1);
          return;
        }
        exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + to + "/" + size);
        exchange.sendResponseHeaders(206, to - from + 1);
      } else {
        exchange.sendResponseHeaders(200, size);
      }
      send(exchange.getResponseBody(), from, to + 1);
    } catch (IOException clientWentAway) {
      // a cancelled range or a closed connection: nothing to answer
    }
  }

  private void send(OutputStream body, long from, long end) throws IOException {
    long cap = bytesPerSecondPerConnection;
    long started = System.nanoTime();
    long sent = 0;
    int chunk = cap > 0 ? (int) Math.max(16 << 10, Math.min(256 << 10, cap / 20)) : 256 << 10;
    for (long at = from; at < end; ) {
      int offset = (int) (at % block.length);
      int n = (int) Math.min(Math.min(chunk, block.length - offset), end - at);
      body.write(block, offset, n);
      at += n;
      sent += n;
      if (cap > 0) {
        // the cap: never ahead of cap bytes per second since this response began
        sleep(sent * 1_000_000_000L / cap - (System.nanoTime() - started));
      }
    }
    body.flush();
  }

  private static void sleep(long nanos) {
    if (nanos > 0) {
      try {
        Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
