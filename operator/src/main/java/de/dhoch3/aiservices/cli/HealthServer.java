package de.dhoch3.aiservices.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** /healthz (alive), /readyz (informers synced and healthy) and /metrics (Prometheus) for probes and scraping. */
final class HealthServer implements AutoCloseable {
  private final HttpServer server;

  HealthServer(int port, Operator operator, PrometheusMeterRegistry registry) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/healthz", ex -> respond(ex, () -> operator.getRuntimeInfo().isStarted(), "ok", () -> "starting"));
    server.createContext("/readyz", ex -> respond(ex,
        () -> operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy(),
        "ready", () -> "not ready: " + operator.getRuntimeInfo().unhealthyEventSources().keySet()));
    server.createContext("/metrics", ex -> send(ex, 200, registry.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "health-server");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, Supplier<Boolean> check, String ok, Supplier<String> notOk) throws IOException {
    boolean healthy = check.get();
    send(ex, healthy ? 200 : 503, healthy ? ok : notOk.get(), "text/plain");
  }

  private static void send(HttpExchange ex, int code, String body, String type) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
