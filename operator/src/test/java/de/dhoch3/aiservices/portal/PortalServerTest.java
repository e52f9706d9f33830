package de.dhoch3.aiservices.portal;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIModel;
import de.dhoch3.aiservices.api.AIModelSpec;
import de.dhoch3.aiservices.api.AIModelStatus;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceStatus;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The portal over HTTP, as an artist (no identity), a signed-in user behind the proxy, another
 * site (no form token), someone who forges the proxy's header, and objects with hostile strings.
 */
class PortalServerTest {
  static final String HOSTILE = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
  private EmbeddedCluster cluster;
  private KubernetesClient client;
  private PortalCache cache;
  private PortalServer server;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  /** What the fake API server was asked: user, groups, verb, group, resource, namespace, name. */
  private final List<List<Object>> asked = new CopyOnWriteArrayList<>();
  private volatile boolean allow;

  @BeforeEach
  void start() {
    cluster = EmbeddedCluster.start();
    client = cluster.newClient();
    cluster.ensureNamespace("studio");
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (cache != null) {
      cache.close();
    }
    client.close();
    cluster.close();
  }

  private void portal(boolean actions, String trustedProxy) throws Exception {
    portal(actions, trustedProxy, "X-Auth-Request-Groups");
  }

  private void portal(boolean actions, String trustedProxy, String groupsHeader) throws Exception {
    OperatorConfig config = OperatorConfig.defaults();
    config.portal.actions.groupsHeader = groupsHeader;
    config.portal.actions.enabled = actions;
    if (trustedProxy != null) {
      config.portal.actions.trustedProxies = List.of(trustedProxy);
    }
    cache = new PortalCache(client, List.of());
    PortalActions.AccessReview review = (user, groups, verb, group, resource, namespace, name) -> {
      asked.add(List.of(user, groups, verb, group, resource, namespace, name));
      return allow;
    };
    server = new PortalServer(cache, new PortalActions(client, review), config, 0);
  }

  private AIService comfy(String message, String url) {
    AIService ai = de.dhoch3.aiservices.apps.AppTranslationTest.aiservice(App.COMFYUI);
    ai.getMetadata().setLabels(Map.of("team", "x" + "-y"));
    ai.getMetadata().setAnnotations(Map.of("note", HOSTILE));
    AIService created = client.resource(ai).create();
    created.setStatus(new AIServiceStatus());
    created.getStatus().url = url;
    created.getStatus().conditions = new ArrayList<>(List.of(new ConditionBuilder().withType("Ready").withStatus("False")
        .withReason("DataFolderInUse").withMessage(message).build()));
    return client.resource(created).updateStatus();
  }

  private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String form, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/actions"))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String pageOnceItShows(String text, Map<String, String> headers) {
    String[] body = new String[1];
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> (body[0] = get("/", headers).body()).contains(text));
    return body[0];
  }

  @Test
  void hostileStringsAreTextNeverMarkupAndOnlyHttpLinksAreLinks() throws Exception {
    portal(false, null);
    comfy(HOSTILE, "javascript:alert(3)");
    AIModel model = new AIModel();
    model.setMetadata(new ObjectMetaBuilder().withName("evil").withNamespace("studio").build());
    model.setSpec(new AIModelSpec());
    model.getSpec().source = new AIModelSpec.Source();
    model.getSpec().source.upload = new AIModelSpec.Upload();
    model.getSpec().source.upload.from = "loras/" + HOSTILE + ".safetensors";
    model.getSpec().category = "loras";
    model.getSpec().fileName = HOSTILE;
    model.getSpec().sha256 = "a".repeat(64);
    client.resource(model).create();
    de.dhoch3.aiservices.storage.StorageBoard.INSTANCE.publish(Map.of("output/" + HOSTILE, 5L));
    try {
      HttpResponse<String> page = get("/", Map.of());
      String body = pageOnceItShows("badge\">moved", Map.of());
      assertThat(body).doesNotContain("<script>alert", "<img src=x", "onerror=alert(2)>", "javascript:");
      assertThat(body).contains("&lt;script&gt;alert(1)&lt;/script&gt;");
      // the only script is the portal's own file; no inline script, no inline style, no event attribute
      Matcher scripts = Pattern.compile("<script[^>]*>").matcher(body);
      List<String> tags = new ArrayList<>();
      while (scripts.find()) {
        tags.add(scripts.group());
      }
      assertThat(tags).containsExactly("<script src=\"static/portal.js\" defer>");
      assertThat(body).doesNotContainPattern("(?i)<[^>]+\\son[a-z]+=").doesNotContain("style=");
      assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self';"
              + " frame-ancestors 'none'; base-uri 'none'");
      assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
      // no link for a javascript: URL: the name is plain text
      assertThat(body).contains("<h3>comfyui</h3>");
    } finally {
      de.dhoch3.aiservices.storage.StorageBoard.INSTANCE.reset();
    }
  }

  @Test
  void withoutAnIdentityThePageIsReadOnlyAndActionsAreRefused() throws Exception {
    portal(true, "127.0.0.1/32");
    comfy("held", "http://comfyui.studio.svc:8188");
    String body = pageOnceItShows("comfyui", Map.of());
    assertThat(body).doesNotContain("<form", "Suspend").contains("Read-only view");
    HttpResponse<String> refused = post("namespace=studio&name=comfyui&action=suspend&csrf=x", Map.of());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(asked).isEmpty();
    assertThat(client.resources(AIService.class).inNamespace("studio").withName("comfyui").get().getSpec().suspend).isNull();
  }

  @Test
  void theProxysHeaderFromAnyOtherAddressNamesNobody() throws Exception {
    portal(true, "10.42.0.0/16");
    comfy("held", "http://comfyui.studio.svc:8188");
    String body = pageOnceItShows("comfyui", Map.of("X-Auth-Request-User", "admin"));
    assertThat(body).doesNotContain("<form").doesNotContain("admin");
    assertThat(post("namespace=studio&name=comfyui&action=suspend&csrf=x", Map.of("X-Auth-Request-User", "admin")).statusCode()).isEqualTo(403);
    assertThat(asked).isEmpty();
  }

  @Test
  void aSignedInUserActsOnlyWithTheFormTokenAndTheApiServersYesAndEveryAttemptIsAnEvent() throws Exception {
    portal(true, "127.0.0.1/32");
    comfy("held", "http://comfyui.studio.svc:8188");
    Map<String, String> alice = Map.of("X-Auth-Request-User", "alice", "X-Auth-Request-Groups", "artists, studio-admins");
    String body = pageOnceItShows("Suspend comfyui", alice);
    assertThat(body).contains("Signed in as <strong>alice</strong>");
    Matcher token = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]{64})\"").matcher(body);
    assertThat(token.find()).isTrue();
    // another site's form carries no token, or a token of another user
    assertThat(post("namespace=studio&name=comfyui&action=suspend", alice).statusCode()).isEqualTo(403);
    String bobsToken = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]{64})\"").matcher(
        pageOnceItShows("Suspend comfyui", Map.of("X-Auth-Request-User", "bob"))).results().findFirst().orElseThrow().group(1);
    assertThat(post("namespace=studio&name=comfyui&action=suspend&csrf=" + bobsToken, alice).statusCode()).isEqualTo(403);
    assertThat(asked).isEmpty();
    // the API server says no for alice
    allow = false;
    HttpResponse<String> denied = post("namespace=studio&name=comfyui&action=suspend&csrf=" + token.group(1), alice);
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(asked).containsExactly(List.of("alice", List.of("artists", "studio-admins"), "patch", "ai.dhoch3.de", "aiservices", "studio", "comfyui"));
    assertThat(client.resources(AIService.class).inNamespace("studio").withName("comfyui").get().getSpec().suspend).isNull();
    // and yes: suspended, and the Event names her
    allow = true;
    HttpResponse<String> done = post("namespace=studio&name=comfyui&action=suspend&csrf=" + token.group(1), alice);
    assertThat(done.statusCode()).isEqualTo(303);
    assertThat(client.resources(AIService.class).inNamespace("studio").withName("comfyui").get().getSpec().suspend).isTrue();
    assertThat(client.v1().events().inNamespace("studio").list().getItems()).extracting(e -> e.getReason() + ": " + e.getMessage())
        .contains("PortalActionDenied: suspend asked from the portal by alice: not allowed (aiservices patch)", "PortalSuspend: suspend from the portal by alice");
    assertThat(pageOnceItShows("Resume comfyui", alice)).contains("Suspended");
  }

  /** The user header twice (a proxy that appends): nobody. Groups only through a configured header. */
  @Test
  void aSecondUserHeaderNamesNobodyAndGroupsNeedTheirHeaderConfigured() throws Exception {
    portal(true, "127.0.0.1/32", "");
    comfy("held", "http://comfyui.studio.svc:8188");
    HttpRequest twice = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
        .header("X-Auth-Request-User", "mallory").header("X-Auth-Request-User", "alice").build();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> get("/", Map.of()).body().contains("comfyui"));
    String body = http.send(twice, HttpResponse.BodyHandlers.ofString()).body();
    assertThat(body).contains("Read-only view").doesNotContain("mallory", "<form");
    allow = true;
    Map<String, String> alice = Map.of("X-Auth-Request-User", "alice", "X-Auth-Request-Groups", "system:masters");
    String token = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]{64})\"").matcher(pageOnceItShows("Suspend comfyui", alice))
        .results().findFirst().orElseThrow().group(1);
    assertThat(post("namespace=studio&name=comfyui&action=suspend&csrf=" + token, alice).statusCode()).isEqualTo(303);
    assertThat(asked).containsExactly(List.of("alice", List.of(), "patch", "ai.dhoch3.de", "aiservices", "studio", "comfyui"));
  }

  @Test
  void whetherAnAppExistsIsNotToldToWhoMayNotTouchIt() throws Exception {
    portal(true, "127.0.0.1/32");
    comfy("held", "http://comfyui.studio.svc:8188");
    Map<String, String> alice = Map.of("X-Auth-Request-User", "alice");
    String token = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]{64})\"").matcher(pageOnceItShows("Suspend comfyui", alice))
        .results().findFirst().orElseThrow().group(1);
    allow = false;
    assertThat(post("namespace=secret-team&name=their-app&action=suspend&csrf=" + token, alice).statusCode()).isEqualTo(403);
    allow = true;
    assertThat(post("namespace=secret-team&name=their-app&action=suspend&csrf=" + token, alice).statusCode()).isEqualTo(404);
  }

  @Test
  void aRestartIsWhatKubectlRolloutRestartDoesAndAsksForTheDeployment() throws Exception {
    portal(true, "127.0.0.1/32");
    comfy("held", "http://comfyui.studio.svc:8188");
    client.apps().deployments().inNamespace("studio").resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
        .withNewMetadata().withName("comfyui").withNamespace("studio").endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "c").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "c").endMetadata().withNewSpec().addNewContainer().withName("app")
            .withImage("i").endContainer().endSpec().endTemplate().endSpec().build()).create();
    allow = true;
    Map<String, String> alice = Map.of("X-Auth-Request-User", "alice");
    String token = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]{64})\"").matcher(pageOnceItShows("Restart comfyui", alice))
        .results().findFirst().orElseThrow().group(1);
    assertThat(post("namespace=studio&name=comfyui&action=restart&csrf=" + token, alice).statusCode()).isEqualTo(303);
    assertThat(asked).containsExactly(List.of("alice", List.of(), "patch", "apps", "deployments", "studio", "comfyui"));
    assertThat(client.apps().deployments().inNamespace("studio").withName("comfyui").get().getSpec().getTemplate().getMetadata().getAnnotations())
        .containsKey("kubectl.kubernetes.io/restartedAt");
  }

  @Test
  void anOpenPageHearsOfAStatusChangeWithinTwoSeconds() throws Exception {
    portal(false, null);
    AIService ai = comfy("held", "http://comfyui.studio.svc:8188");
    pageOnceItShows("comfyui", Map.of());
    List<String> lines = new CopyOnWriteArrayList<>();
    var stream = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/updates")).build(),
        HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> r.body().forEach(lines::add));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> lines.contains("retry: 1000"));
    ai.getStatus().conditions = new ArrayList<>(List.of(new ConditionBuilder().withType("Ready").withStatus("True").withReason("Available")
        .withMessage("up").build()));
    long changed = System.nanoTime();
    client.resource(ai).updateStatus();
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> lines.contains("event: changed"));
    assertThat(Duration.ofNanos(System.nanoTime() - changed)).isLessThan(Duration.ofSeconds(2));
    assertThat(get("/content", Map.of()).body()).contains("<span class=\"badge\">Ready</span> Available: up");
    stream.cancel(true);
  }

  @Test
  void aDownloadShowsItsProgress() throws Exception {
    portal(false, null);
    AIModel model = new AIModel();
    model.setMetadata(new ObjectMetaBuilder().withName("flux-dev").withNamespace("studio").build());
    model.setSpec(new AIModelSpec());
    model.getSpec().source = new AIModelSpec.Source();
    model.getSpec().source.url = "https://huggingface.co/x/y/resolve/main/flux1-dev.safetensors?token=secret";
    model.getSpec().category = "diffusion_models";
    model.getSpec().fileName = "flux1-dev.safetensors";
    AIModel created = client.resource(model).create();
    created.setStatus(new AIModelStatus());
    created.getStatus().size = "5.9 GiB / 23.8 GiB (24 %)";
    created.getStatus().conditions = new ArrayList<>(List.of(new ConditionBuilder().withType("Reconciling").withStatus("True")
        .withReason("Downloading").build()));
    client.resource(created).updateStatus();
    String body = pageOnceItShows("flux-dev", Map.of());
    assertThat(body).contains("<progress max=\"100\" value=\"24\" aria-label=\"flux-dev downloaded\">24 %</progress>");
    assertThat(body).contains("<td>huggingface.co</td>").doesNotContain("token=secret");
  }
}
