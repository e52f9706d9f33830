package de.dhoch3.aiservices.bench;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counts the API requests a client sends, by verb as the API server names them (get, list, watch, create, update...). */
final class RequestCounter implements Interceptor {
  private final Map<String, LongAdder> byVerb = new ConcurrentHashMap<>();
  /** Paths of the single-object gets (a few), so the report can say what they were. */
  private final Map<String, Boolean> getPaths = new ConcurrentHashMap<>();
  private volatile String tracedUpdate;
  private final AtomicLong tracedUpdateAt = new AtomicLong();

  /** What each watch asked for: its path and label selector (so the fair baseline can be held to the operator's watches). */
  private final java.util.Set<String> watches = ConcurrentHashMap.newKeySet();

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    String verb = verb(request);
    byVerb.computeIfAbsent(verb, v -> new LongAdder()).increment();
    if (verb.equals("watch")) {
      watches.add(watched(request.uri()));
    }
    if (verb.equals("get") && getPaths.size() < 10) {
      getPaths.put(request.uri().getPath(), true);
    }
    String traced = tracedUpdate;
    if (traced != null && verb.equals("update") && request.uri().getPath().endsWith(traced)) {
      tracedUpdateAt.compareAndSet(0, System.nanoTime());
    }
  }

  /** From now on, notes when the first update of a path ending with {@code pathEnd} is sent. */
  void traceUpdate(String pathEnd) {
    tracedUpdateAt.set(0);
    tracedUpdate = pathEnd;
  }

  /** When the traced update was sent (System.nanoTime), 0 if not yet. */
  long tracedUpdateAt() {
    return tracedUpdateAt.get();
  }

  /** The watches sent, each as {@code path} or {@code path?labelSelector=...} (decoded), sorted. */
  java.util.Set<String> watches() {
    return new java.util.TreeSet<>(watches);
  }

  static String watched(java.net.URI uri) {
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    for (String parameter : query.split("&")) {
      if (parameter.startsWith("labelSelector=")) {
        return uri.getPath() + "?labelSelector="
            + java.net.URLDecoder.decode(parameter.substring("labelSelector=".length()), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return uri.getPath();
  }

  java.util.Set<String> getPaths() {
    return new java.util.TreeSet<>(getPaths.keySet());
  }

  static String verb(HttpRequest request) {
    String query = request.uri().getQuery() == null ? "" : request.uri().getQuery();
    return switch (request.method()) {
      case "GET" -> query.contains("watch=true") ? "watch" : isDiscovery(request.uri().getPath()) ? "discovery"
          : isCollection(request.uri().getPath()) ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> "delete";
      default -> request.method().toLowerCase();
    };
  }

  /** What the API server serves (/version, /api, /api/v1, /apis, /apis/group/version), not an object or a list of them. */
  static boolean isDiscovery(String path) {
    String[] segments = path.replaceAll("^/+|/+$", "").split("/");
    return path.equals("/version") || segments[0].equals("api") && segments.length <= 2 || segments[0].equals("apis") && segments.length <= 3;
  }

  /**
   * A collection (list) path names a resource type and no object: /api/v1/[namespaces/NS/]PLURAL
   * or /apis/GROUP/VERSION/[namespaces/NS/]PLURAL; one more segment is an object's name.
   */
  static boolean isCollection(String path) {
    String[] segments = path.replaceAll("^/+|/+$", "").split("/");
    int skip = segments[0].equals("api") ? 2 : 3;
    int rest = segments.length - skip;
    if (rest >= 3 && segments[skip].equals("namespaces")) {
      rest -= 2;
    }
    return rest == 1;
  }

  Map<String, Long> snapshot() {
    Map<String, Long> copy = new TreeMap<>();
    byVerb.forEach((verb, count) -> copy.put(verb, count.sum()));
    return copy;
  }

  void reset() {
    byVerb.clear();
    getPaths.clear();
  }

  static long writes(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .filter(e -> e.getKey().equals("create") || e.getKey().equals("update") || e.getKey().equals("patch") || e.getKey().equals("delete"))
        .mapToLong(Map.Entry::getValue).sum();
  }
}
