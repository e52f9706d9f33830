package de.dhoch3.aiservices.embedded;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * What real API servers do on a bad day, for {@link RealisticDispatcher#inject}: a share of the
 * requests answered 500 or 503, 429 with Retry-After, 409 on writes, answers slower than the
 * client's timeout, and watches cut off with 410 Gone (the client must list and watch again).
 * Seeded: a run can be repeated. Counts what it injected, by kind.
 */
public final class Faults implements Function<RecordedRequest, MockResponse> {
  public enum Kind { ERROR_500, UNAVAILABLE_503, TOO_MANY_429, CONFLICT_409, SLOW, WATCH_GONE_410 }

  /** Requests carrying this header are never faulted (a test's own client, the simulated controller). */
  public static final String EXEMPT_HEADER = "X-Aiservice-Faults-Exempt";

  private final double rate;
  private final Random random;
  private final Duration slow;
  private volatile boolean on = true;
  private final Map<Kind, LongAdder> injected = new ConcurrentHashMap<>();

  /**
   * @param rate share of requests answered with a fault (0..1)
   * @param slow how long a slow answer takes (longer than the client's request timeout)
   */
  public Faults(double rate, long seed, Duration slow) {
    this.rate = rate;
    this.random = new Random(seed);
    this.slow = slow;
  }

  public void off() {
    on = false;
  }

  public Map<Kind, LongAdder> injected() {
    return injected;
  }

  @Override
  public MockResponse apply(RecordedRequest request) {
    if (!on || request.getHeader(EXEMPT_HEADER) != null) {
      return null;
    }
    double roll;
    int pick;
    synchronized (random) {
      roll = random.nextDouble();
      pick = random.nextInt(100);
    }
    if (roll >= rate) {
      return null;
    }
    boolean watch = request.getPath().contains("watch=true");
    boolean write = !request.getMethod().equals("GET");
    if (watch) {
      return count(Kind.WATCH_GONE_410, status(410, "Gone", "too old resource version"));
    }
    if (write && pick < 25) {
      return count(Kind.CONFLICT_409, status(409, "Conflict", "the object has been modified; please apply your changes to the latest version and try again"));
    }
    if (pick < 45) {
      return count(Kind.ERROR_500, status(500, "InternalError", "etcdserver: request timed out"));
    }
    if (pick < 65) {
      return count(Kind.UNAVAILABLE_503, status(503, "ServiceUnavailable", "the server is currently unable to handle the request"));
    }
    if (pick < 90) {
      return count(Kind.TOO_MANY_429, status(429, "TooManyRequests", "too many requests, please try again later").setHeader("Retry-After", "1"));
    }
    return count(Kind.SLOW, status(504, "Timeout", "the answer came too late").setBodyDelay(slow));
  }

  private MockResponse count(Kind kind, MockResponse response) {
    injected.computeIfAbsent(kind, k -> new LongAdder()).increment();
    return response;
  }

  private static MockResponse status(int code, String reason, String message) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
        .setBody(Serialization.asJson(new StatusBuilder().withStatus("Failure").withCode(code).withReason(reason).withMessage(message).build()));
  }
}
