package de.dhoch3.aiservices.apps;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.AuthSpec;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the model registrar script exactly as the operator ships it (ConfigMap text, sidecar
 * command and env) with the system python3, in one-pass mode, against a small InvokeAI stand-in.
 */
class InvokeAiRegistrarScriptTest {

  private static final String TOKEN = "token-for-admin";
  private static final String EMAIL = "admin@studio.example";
  private static final String PASSWORD = "s3cret";
  private static final String HTML_ERROR = "<html><body><h1>502 Bad Gateway</h1></body></html>";

  @TempDir Path temp;
  private HttpServer server;
  /** "METHOD path?decoded-query" of every request the stand-in received, in order. */
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  /** Authorization header per request (empty string when absent), same order. */
  private final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Answer> answers = new HashMap<>();
  private boolean requireToken;
  private Path store;

  record Answer(int status, String contentType, String body) {}

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
    store = Files.createDirectories(temp.resolve("models"));
    Files.createDirectories(store.resolve("checkpoints"));
    Files.createDirectories(store.resolve("loras"));
    Files.writeString(store.resolve("checkpoints/sdxl.safetensors"), "x");
    Files.writeString(store.resolve("loras/detail.safetensors"), "x");
    Files.writeString(store.resolve("loras/already.safetensors"), "x");
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String query = exchange.getRequestURI().getQuery();
    String method = exchange.getRequestMethod();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    requests.add(method + " " + path + (query == null ? "" : "?" + query));
    authorizations.add(auth == null ? "" : auth);

    Answer answer;
    String key = method + " " + path;
    if (answers.containsKey(key)) {
      answer = answers.get(key);
    } else if (key.equals("GET /api/v1/app/version")) {
      answer = json(200, "{\"version\": \"6.13.8\"}");
    } else if (key.equals("POST /api/v1/auth/login")) {
      boolean right = body.contains("\"email\": \"" + EMAIL + "\"") && body.contains("\"password\": \"" + PASSWORD + "\"");
      answer = right ? json(200, "{\"token\": \"" + TOKEN + "\", \"expires_in\": 86400}")
          : json(401, "{\"detail\": \"Incorrect email or password\"}");
    } else if (requireToken && !("Bearer " + TOKEN).equals(auth)) {
      answer = json(401, "{\"detail\": \"Missing authentication credentials\"}");
    } else if (key.equals("GET /api/v2/models/")) {
      answer = json(200, "{\"models\": [{\"key\": \"k1\", \"path\": \"" + store.resolve("loras/already.safetensors") + "\"}]}");
    } else if (key.equals("GET /api/v2/models/install")) {
      answer = json(200, "[]");
    } else if (key.equals("GET /api/v2/models/scan_folder")) {
      answer = scan(query.substring("scan_path=".length()));
    } else if (key.equals("POST /api/v2/models/install")) {
      answer = json(201, "{\"id\": 1, \"status\": \"waiting\"}");
    } else {
      answer = json(404, "{\"detail\": \"Not Found\"}");
    }
    byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", answer.contentType());
    exchange.sendResponseHeaders(answer.status(), bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  /**
   * What InvokeAI answers to scan_folder: every file of the folder, none marked installed; 400 for
   * a path that is not a directory (invokeai/app/api/routers/model_manager.py:362-367, v6.13.8).
   */
  private Answer scan(String folder) throws IOException {
    if (!Files.isDirectory(Path.of(folder))) {
      return json(400, "{\"detail\": \"The search path '" + folder + "' does not exist or is not directory\"}");
    }
    try (var files = Files.list(Path.of(folder))) {
      return json(200, files.sorted()
          .map(f -> "{\"path\": \"" + f + "\", \"is_installed\": false}")
          .collect(Collectors.joining(", ", "[", "]")));
    }
  }

  private static Answer json(int status, String body) {
    return new Answer(status, "application/json", body);
  }

  private static Container registrar(Workload workload) {
    return workload.deployment().getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(InvokeAiProfile.REGISTRAR)).findFirst().orElseThrow();
  }

  /** Runs one pass of the script as rendered for the AIService; returns its output. */
  private String runRegistrar(AIService ai, Map<String, String> secretValues) throws Exception {
    Assumptions.assumeTrue(python3Available(), "python3 not found: the registrar script cannot be run here");
    Workload workload = AppTranslationTest.build(ai);
    Container registrar = registrar(workload);
    // the script as the ConfigMap ships it, at the file the sidecar's command names
    String mountedAt = registrar.getCommand().get(1);
    String configKey = registrar.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(mountedAt))
        .findFirst().orElseThrow().getSubPath();
    Path script = temp.resolve(configKey);
    Files.writeString(script, workload.configMap().getData().get(configKey));

    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : registrar.getEnv()) {
      if (var.getValueFrom() != null) {
        // what kubelet would fill in from the Secret
        String secretKey = var.getValueFrom().getSecretKeyRef().getKey();
        if (secretValues.containsKey(secretKey)) {
          env.put(var.getName(), secretValues.get(secretKey));
        }
      } else {
        env.put(var.getName(), var.getValue());
      }
    }
    env.put("INVOKEAI_URL", "http://127.0.0.1:" + server.getAddress().getPort());
    // the pod's /models is the temp store here
    env.put("SCAN_PATHS", scanPaths.replace("/models", store.toString()));
    env.put("REGISTRAR_ONCE", "1");

    List<String> command = new ArrayList<>(registrar.getCommand());
    command.set(1, script.toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("INVOKEAI_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("registrar finished").isTrue();
    assertThat(process.exitValue()).as("exit code; output:%n%s", output).isZero();
    return output;
  }

  /** The folders the pass scans (the pod's /models is the temp store). */
  private String scanPaths = "/models/checkpoints:/models/loras";

  private static boolean python3Available() {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private List<String> installs() {
    return requests.stream().filter(r -> r.startsWith("POST /api/v2/models/install")).toList();
  }

  private String expectedInstall(String relative) {
    return "POST /api/v2/models/install?source=" + store.resolve(relative) + "&inplace=true";
  }

  private static AIService invokeai() {
    return AppTranslationTest.aiservice(App.INVOKEAI);
  }

  private static AIService withAdminSecret() {
    AIService ai = invokeai();
    ai.getSpec().auth = new AuthSpec();
    ai.getSpec().auth.secretName = "invokeai-admin";
    return ai;
  }

  @Test
  void aStoreFolderThatDoesNotExistYetIsNoFailureAndTheOthersAreRegistered() throws Exception {
    scanPaths = "/models/controlnet:/models/checkpoints";
    String output = runRegistrar(invokeai(), Map.of());
    assertThat(output).contains("no folder " + store.resolve("controlnet") + " in the store yet").contains("0 failure(s)")
        .doesNotContain("next attempt");
    assertThat(installs()).containsExactly(expectedInstall("checkpoints/sdxl.safetensors"));
  }

  @Test
  void newStoreFilesAreLookedForEveryMinute() {
    Container registrar = registrar(AppTranslationTest.build(invokeai()));
    assertThat(registrar.getEnv()).anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("INTERVAL=60"));
  }

  @Test
  void installsEveryUnregisteredFileInPlace() throws Exception {
    String output = runRegistrar(invokeai(), Map.of());

    assertThat(requests).startsWith("GET /api/v1/app/version");
    assertThat(requests).contains(
        "GET /api/v2/models/scan_folder?scan_path=" + store.resolve("checkpoints"),
        "GET /api/v2/models/scan_folder?scan_path=" + store.resolve("loras"));
    // already.safetensors is in the model list: not installed a second time
    assertThat(installs()).containsExactlyInAnyOrder(
        expectedInstall("checkpoints/sdxl.safetensors"),
        expectedInstall("loras/detail.safetensors"));
    assertThat(authorizations).containsOnly("");
    assertThat(output).contains("registered " + store.resolve("loras/detail.safetensors"));
  }

  @Test
  void anHtmlErrorPageOnScanIsLoggedAndSurvived() throws Exception {
    answers.put("GET /api/v2/models/scan_folder", new Answer(500, "text/html", HTML_ERROR));
    String output = runRegistrar(invokeai(), Map.of());

    assertThat(installs()).isEmpty();
    assertThat(output).contains("scan of " + store.resolve("checkpoints") + " failed")
        .contains("HTTP 500").contains("502 Bad Gateway")
        .doesNotContain("Traceback");
  }

  @Test
  void anHtmlPageWithStatus200IsNotTakenForJson() throws Exception {
    answers.put("GET /api/v2/models/scan_folder", new Answer(200, "text/html", HTML_ERROR));
    String output = runRegistrar(invokeai(), Map.of());

    assertThat(installs()).isEmpty();
    assertThat(output).contains("not JSON").doesNotContain("Traceback");
  }

  @Test
  void anAppThatIsNotUpYetIsWaitedFor() throws Exception {
    answers.put("GET /api/v1/app/version", new Answer(502, "text/html", HTML_ERROR));
    String output = runRegistrar(invokeai(), Map.of());

    assertThat(requests).containsExactly("GET /api/v1/app/version");
    assertThat(output).contains("waiting for InvokeAI").doesNotContain("Traceback");
  }

  @Test
  void multiUserInvokeAiIsReachedWithTheAdministratorLoginOfSpecAuth() throws Exception {
    requireToken = true;
    AIService ai = withAdminSecret();
    String output = runRegistrar(ai, Map.of("email", EMAIL, "password", PASSWORD));

    assertThat(requests).contains("POST /api/v1/auth/login");
    assertThat(installs()).containsExactlyInAnyOrder(
        expectedInstall("checkpoints/sdxl.safetensors"),
        expectedInstall("loras/detail.safetensors"));
    for (int i = 0; i < requests.size(); i++) {
      if (requests.get(i).startsWith("POST /api/v2/models/install")) {
        assertThat(authorizations.get(i)).isEqualTo("Bearer " + TOKEN);
      }
    }
    assertThat(output).contains("logged in to InvokeAI as " + EMAIL);
  }

  @Test
  void multiUserInvokeAiWithoutCredentialsGetsAClearMessageAndNoCrash() throws Exception {
    requireToken = true;
    String output = runRegistrar(invokeai(), Map.of());

    assertThat(installs()).isEmpty();
    assertThat(requests).doesNotContain("POST /api/v1/auth/login");
    assertThat(output).contains("multiuser: true").contains("spec.auth: {secretName: invokeai-admin}")
        .contains("'email' and 'password'").doesNotContain("Traceback");
  }

  @Test
  void aWrongPasswordIsReportedWithoutCrash() throws Exception {
    requireToken = true;
    AIService ai = withAdminSecret();
    String output = runRegistrar(ai, Map.of("email", EMAIL, "password", "wrong"));

    assertThat(installs()).isEmpty();
    assertThat(output).contains("check the Secret of spec.auth").doesNotContain("Traceback");
  }
}
