package de.dhoch3.aiservices.download;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Serves {@code data} at /model.bin (everything else is 404), with switches for the failures a download meets. */
final class ModelServer implements AutoCloseable {
  /** What the server saw of one request. */
  record Seen(String path, String range, String authorization) {}

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

  final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
  private final byte[] data;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  /** The first response ends after this many body bytes (headers announce the full length). */
  volatile int cutAfter = -1;
  /** The first response sends this many body bytes, then nothing for 3 seconds. */
  volatile int stallAfter = -1;
  volatile boolean honourRange = true;
  /** When set, requests without "Authorization: Bearer <token>" get 401. */
  volatile String token;
  /** When set, /model.bin answers 302 to this URL. */
  volatile String redirectTo;
  /** When set, 200 responses say Accept-Ranges: bytes (downloads then may fetch in parallel ranges). */
  volatile boolean announceRanges;
  /** The first response to a Range request starting at this byte ends after {@link #cutRangeAfter} bytes. */
  volatile long cutRangeStartingAt = -1;
  volatile int cutRangeAfter;
  /** When set, the first request gets this status. */
  volatile int failFirst;

  ModelServer(byte[] data) throws IOException {
    this.data = data;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String range = exchange.getRequestHeaders().getFirst("Range");
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    int number;
    synchronized (seen) {
      seen.add(new Seen(exchange.getRequestURI().getPath(), range, authorization));
      number = seen.size();
    }
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals("/model.bin")) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      if (token != null && !("Bearer " + token).equals(authorization)) {
        exchange.sendResponseHeaders(401, -1);
        return;
      }
      if (redirectTo != null) {
        exchange.getResponseHeaders().add("Location", redirectTo);
        exchange.sendResponseHeaders(302, -1);
        return;
      }
      if (failFirst > 0 && number == 1) {
        exchange.sendResponseHeaders(failFirst, -1);
        return;
      }
      Matcher m = range == null ? null : RANGE.matcher(range);
      int from = 0;
      int end = data.length;
      boolean cutThisRange = false;
      if (announceRanges) {
        exchange.getResponseHeaders().add("Accept-Ranges", "bytes");
      }
      if (m != null && m.matches() && honourRange) {
        from = Integer.parseInt(m.group(1));
        end = m.group(2).isEmpty() ? data.length : Math.min(data.length, Integer.parseInt(m.group(2)) + 1);
        exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (end - 1) + "/" + data.length);
        exchange.sendResponseHeaders(206, end - from);
        if (from == cutRangeStartingAt) {
          cutRangeStartingAt = -1;
          cutThisRange = true;
        }
      } else {
        exchange.sendResponseHeaders(200, data.length);
      }
      OutputStream body = exchange.getResponseBody();
      int limit = cutThisRange ? cutRangeAfter : number == 1 && cutAfter >= 0 ? cutAfter : number == 1 && stallAfter >= 0 ? stallAfter : end - from;
      body.write(data, from, limit);
      body.flush();
      if (limit < end - from) {
        pause(number == 1 && stallAfter >= 0 ? 3000 : 200);
      }
    } catch (IOException cut) {
      // closing a response shorter than announced fails: that is the cut connection the test wants
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
