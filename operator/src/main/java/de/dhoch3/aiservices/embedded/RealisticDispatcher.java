package de.dhoch3.aiservices.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * fabric8's CRUD mock with what a real API server adds on top ({@link ApiServerRules}): defaults
 * filled in on create and update, allocated Service addresses kept, and invalid objects refused
 * with 422, so an operator that would loop or write refused objects on a real cluster does so
 * here too. It also answers discovery ({@link Discovery}), including {@code resource.k8s.io/v1}
 * (DRA) as a 1.34 server does, so kubectl works against it.
 */
public final class RealisticDispatcher extends Dispatcher {
  private static final ObjectMapper JSON = Serialization.jsonMapper();
  private final IndexedStore store = new IndexedStore();
  private final ApiServerRules rules = new ApiServerRules();
  private final AtomicLong writes = new AtomicLong();
  /** Answers by "VERB code" (e.g. "PUT 200"), injected faults included. */
  private final java.util.Map<String, java.util.concurrent.atomic.LongAdder> answers = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile Function<RecordedRequest, MockResponse> fault = request -> null;

  /** Answers requests for which the function returns a response (a test's outage), the rest as usual; null ends it. */
  public void inject(Function<RecordedRequest, MockResponse> fault) {
    this.fault = fault == null ? request -> null : fault;
  }

  /** Writes (create, update, patch, delete) answered so far, status writes included. */
  public long writes() {
    return writes.get();
  }

  /** Answers so far by verb and status code, e.g. {@code "PUT 409"}. */
  public java.util.Map<String, java.util.concurrent.atomic.LongAdder> answers() {
    return answers;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    MockResponse response = answer(request);
    String verb = request.getMethod().equals("GET") && request.getPath().contains("watch=true") ? "WATCH" : request.getMethod();
    answers.computeIfAbsent(verb + " " + response.code(), k -> new java.util.concurrent.atomic.LongAdder()).increment();
    return response;
  }

  private MockResponse answer(RecordedRequest request) {
    MockResponse injected = fault.apply(request);
    if (injected != null) {
      return injected;
    }
    if (request.method() != HttpMethod.GET) {
      writes.incrementAndGet();
    }
    String path = request.getPath();
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    if (request.method() == HttpMethod.POST && bare.equals("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
      // no RBAC here: whoever asks may do everything (JOSDK asks before leader election)
      return json(201, new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder()
          .withNewSpec().withNamespace("default").endSpec()
          .withNewStatus().withIncomplete(false)
            .addNewResourceRule().withVerbs("*").withApiGroups("*").withResources("*").endResourceRule()
          .endStatus().build());
    }
    if (request.method() == HttpMethod.GET) {
      Optional<Object> discovery = Discovery.answer(bare);
      if (discovery.isPresent()) {
        return json(200, discovery.get());
      }
    }
    if (request.method() == HttpMethod.GET && bare.endsWith("/events") && path.contains("fieldSelector=involvedObject")) {
      // a real server selects Events by involvedObject; the mock cannot, so it answers all of them (callers filter too)
      return store.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.GET, bare, request.getHeaders(), new Buffer()));
    }
    boolean write = request.method() == HttpMethod.POST || request.method() == HttpMethod.PUT;
    if (!write || bare.endsWith("/status")) {
      return store.dispatch(request);
    }
    // the body can be read once: every path below hands the store a request of its own
    byte[] original = request.getBody().readByteArray();
    JsonNode body;
    try {
      body = JSON.readTree(original);
    } catch (Exception notJson) {
      body = null;
    }
    if (!(body instanceof ObjectNode object)) {
      return store.dispatch(withBody(request, original));
    }
    ObjectNode stored = request.method() == HttpMethod.PUT ? current(request, bare) : null;
    String manager = java.util.Objects.requireNonNullElse(request.getHeader("User-Agent"), "unknown").split("/")[0];
    ManagedFields.record(object, stored, manager, java.time.Instant.now());
    if (!ApiServerRules.KINDS.contains(object.path("kind").asText())) {
      return store.dispatch(withBody(request, object.toString().getBytes(StandardCharsets.UTF_8)));
    }
    List<String> problems = rules.problems(object, stored);
    if (!problems.isEmpty()) {
      String kind = object.path("kind").asText();
      String name = object.path("metadata").path("name").asText();
      return json(422, new StatusBuilder().withStatus("Failure").withReason("Invalid").withCode(422)
          .withMessage(kind + " \"" + name + "\" is invalid: " + String.join(", ", problems)).build());
    }
    rules.applyDefaults(object, stored);
    return store.dispatch(withBody(request, object.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static RecordedRequest withBody(RecordedRequest request, byte[] body) {
    return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(), request.getHeaders(), new Buffer(body));
  }

  private ObjectNode current(RecordedRequest request, String bare) {
    MockResponse response = store.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.GET, bare, request.getHeaders(), new Buffer()));
    if (response.code() != 200) {
      return null;
    }
    try {
      return JSON.readTree(response.getBody().readUtf8()) instanceof ObjectNode node ? node : null;
    } catch (Exception unreadable) {
      return null;
    }
  }

  private static MockResponse json(int code, Object body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
        .setBody(Serialization.asJson(body));
  }

  @Override
  public void shutdown() {
    store.shutdown();
  }
}
