package de.dhoch3.aiservices.portal;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import de.dhoch3.aiservices.config.Cidr;
import de.dhoch3.aiservices.config.OperatorConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The studio portal on its own port (Vert.x, the embedded API server's HTTP stack; Mustache
 * templates, which escape every value). Pages come from {@link PortalCache} only; a change is
 * pushed to open pages as a server-sent event, and the page fetches its content again. Actions
 * (off by default) need a user named by the trusted authentication proxy, a form token bound to
 * that user, and the API server's yes for that user; without an identity the page is read-only.
 */
public final class PortalServer implements AutoCloseable {
  /** No inline script or style anywhere: scripts and styles only from the portal itself. */
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self';"
      + " frame-ancestors 'none'; base-uri 'none'";
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
  private final PortalCache cache;
  private final PortalActions actions;
  private final OperatorConfig config;
  private final List<Cidr> trusted;
  private final Mustache page;
  private final Mustache content;
  private final Set<HttpServerResponse> listeners = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean pushPending = new AtomicBoolean();
  private final byte[] formKey = new byte[32];
  private final HttpServer server;

  public PortalServer(PortalCache cache, PortalActions actions, OperatorConfig config, int port) throws Exception {
    this.cache = cache;
    this.actions = actions;
    this.config = config;
    this.trusted = config.portal.actions.trustedProxies.stream().map(Cidr::parse).toList();
    new SecureRandom().nextBytes(formKey);
    DefaultMustacheFactory templates = new DefaultMustacheFactory("portal");
    page = templates.compile("page.mustache");
    content = templates.compile("content.mustache");
    Router router = Router.router(vertx);
    router.route().handler(this::securityHeaders);
    router.get("/").handler(ctx -> html(ctx, page));
    router.get("/content").handler(ctx -> html(ctx, content));
    router.get("/updates").handler(this::updates);
    router.get("/healthz").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain").end("ok"));
    // the two static files from the jar, read once (no file cache on the pod's read-only disk)
    staticFile(router, "portal.js", "text/javascript; charset=utf-8");
    staticFile(router, "portal.css", "text/css; charset=utf-8");
    staticFile(router, "favicon.svg", "image/svg+xml");
    router.post("/actions").handler(BodyHandler.create().setBodyLimit(4096).setHandleFileUploads(false)).handler(this::action);
    cache.onChange(this::changed);
    // a comment line now and then keeps proxies from closing an idle stream
    vertx.setPeriodic(15_000, t -> listeners.forEach(r -> r.write(": keep-alive\n\n")));
    server = vertx.createHttpServer().requestHandler(router);
    server.listen(port).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static void staticFile(Router router, String name, String type) throws java.io.IOException {
    byte[] bytes;
    try (var in = PortalServer.class.getResourceAsStream("/portal/static/" + name)) {
      bytes = in.readAllBytes();
    }
    io.vertx.core.buffer.Buffer body = io.vertx.core.buffer.Buffer.buffer(bytes);
    router.get("/static/" + name).handler(ctx -> ctx.response().putHeader("Content-Type", type).end(body));
  }

  public int port() {
    return server.actualPort();
  }

  private void securityHeaders(RoutingContext ctx) {
    ctx.response().putHeader("Content-Security-Policy", CSP).putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer").putHeader("X-Frame-Options", "DENY").putHeader("Cache-Control", "no-store");
    ctx.next();
  }

  /** The user the trusted proxy named; null without actions, from any other address, or for an unusable name. */
  String user(RoutingContext ctx) {
    if (!config.portal.actions.enabled || ctx.request().remoteAddress() == null) {
      return null;
    }
    try {
      InetAddress from = InetAddress.getByName(ctx.request().remoteAddress().hostAddress()); // a literal: no lookup
      if (trusted.stream().noneMatch(cidr -> cidr.contains(from))) {
        return null;
      }
    } catch (java.net.UnknownHostException e) {
      return null;
    }
    // the header twice: a proxy that appends instead of replacing would leave the client's own first; nobody then
    List<String> users = ctx.request().headers().getAll(config.portal.actions.userHeader);
    String user = users.size() == 1 ? users.get(0) : null;
    return user == null || user.isBlank() || user.length() > 256 || user.chars().anyMatch(c -> c < 0x20 || c == 0x7f) ? null : user.trim();
  }

  /** The groups the proxy names, only when a groups header is configured (and sent once). */
  List<String> groups(RoutingContext ctx) {
    String header = config.portal.actions.groupsHeader;
    if (header == null || header.isBlank()) {
      return List.of();
    }
    List<String> sent = ctx.request().headers().getAll(header);
    return sent.size() != 1 ? List.of()
        : Arrays.stream(sent.get(0).split(",")).map(String::trim).filter(g -> !g.isEmpty() && g.length() <= 256).toList();
  }

  /** A token for the forms, bound to the user: another site cannot know it, and it is worth nothing for another user. */
  String formToken(String user) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(formKey, "HmacSHA256"));
      return java.util.HexFormat.of().formatHex(mac.doFinal(user.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private void html(RoutingContext ctx, Mustache template) {
    String user = user(ctx);
    PortalView.Page view = PortalView.page(cache.services(), cache.models(), cache.events(),
        de.dhoch3.aiservices.storage.StorageBoard.INSTANCE.figures(), config, user, config.portal.actions.enabled,
        user == null ? "" : formToken(user));
    StringWriter out = new StringWriter();
    template.execute(out, view);
    ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(out.toString());
  }

  /** Open live-update streams at most (each holds a connection): more are told to retry later. */
  static final int MAX_LISTENERS = 200;

  private void updates(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (listeners.size() >= MAX_LISTENERS) {
      response.setStatusCode(503).putHeader("Retry-After", "30").end();
      return;
    }
    response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("X-Accel-Buffering", "no");
    response.write("retry: 1000\n\n");
    listeners.add(response);
    response.closeHandler(v -> listeners.remove(response));
    response.exceptionHandler(e -> listeners.remove(response));
  }

  /** A burst of changes is one push, at most every 250 ms: well within the 2 s the page promises. */
  private void changed() {
    if (pushPending.compareAndSet(false, true)) {
      vertx.setTimer(250, t -> {
        pushPending.set(false);
        // a page that does not read its stream is dropped rather than buffered without end
        listeners.forEach(r -> {
          if (r.writeQueueFull()) {
            listeners.remove(r);
            r.reset();
          } else {
            r.write("event: changed\ndata: " + System.currentTimeMillis() + "\n\n");
          }
        });
      });
    }
  }

  private void action(RoutingContext ctx) {
    String user = user(ctx);
    if (user == null) {
      ctx.response().setStatusCode(403).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("Actions need a user named by the studio's sign-in (the authentication proxy); this page is read-only.");
      return;
    }
    var form = ctx.request().formAttributes();
    String token = form.get("csrf");
    if (token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), formToken(user).getBytes(StandardCharsets.UTF_8))) {
      ctx.response().setStatusCode(403).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("The form has expired or did not come from this portal: reload the page and try again.");
      return;
    }
    String namespace = form.get("namespace");
    String name = form.get("name");
    String action = form.get("action");
    if (namespace == null || name == null || action == null || !namespace.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")
        || !name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
      ctx.response().setStatusCode(400).putHeader("Content-Type", "text/plain; charset=utf-8").end("Which app, and what to do?");
      return;
    }
    List<String> groups = groups(ctx);
    vertx.<PortalActions.Result>executeBlocking(() -> actions.act(user, groups, namespace, name, action), false).onComplete(done -> {
      if (done.failed()) {
        ctx.response().setStatusCode(502).putHeader("Content-Type", "text/plain; charset=utf-8")
            .end("The cluster did not answer; try again.");
      } else if (done.result().status() == 303) {
        ctx.response().setStatusCode(303).putHeader("Location", "./").end();
      } else {
        ctx.response().setStatusCode(done.result().status()).putHeader("Content-Type", "text/plain; charset=utf-8").end(done.result().message());
      }
    });
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
