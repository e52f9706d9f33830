package de.dhoch3.aiservices.portal;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIModel;
import de.dhoch3.aiservices.api.AIModelSpec;
import de.dhoch3.aiservices.api.AIModelStatus;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.cli.Manifests;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.SimulatedDeploymentController;
import de.dhoch3.aiservices.reconcile.OperatorHarness;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The portal in Debian's Chromium (headless, through its ChromeDriver), against the real operator
 * on the in-process API server with every example AIService applied: what an artist and a
 * signed-in admin see and do, with the keyboard and on a phone, checked by axe-core in the page.
 * Needs /usr/bin/chromium, /usr/bin/chromedriver and axe-core (.ci/browser-tools installs them;
 * .ci/run fails when this test did not run).
 */
class PortalBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path REPO = Path.of(System.getProperty("repo.root", ".."));

  static Path axe() {
    String configured = System.getenv("AXE_JS");
    return configured != null ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".cache", "aiservice-axe-4.14.1", "node_modules", "axe-core", "axe.min.js");
  }

  @Test
  void thePortalInARealBrowser() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER) && Files.isRegularFile(axe()),
        "needs Chromium, ChromeDriver and axe-core: run .ci/browser-tools");
    OperatorConfig config = OperatorConfig.defaults();
    config.portal.actions.enabled = true;
    config.portal.actions.trustedProxies = List.of("127.0.0.1/32");
    try (OperatorHarness harness = new OperatorHarness(config);
        SimulatedDeploymentController simulation = new SimulatedDeploymentController(harness.client).start()) {
      var client = harness.client;
      List<AIService> examples = new ArrayList<>();
      for (Manifests.Doc doc : Manifests.fromPaths(List.of(REPO.resolve("examples/apps")))) {
        AIService ai = doc.toResource("studio");
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
            .withName(ai.getMetadata().getNamespace()).endMetadata().build()).createOr(n -> n.update());
        examples.add(client.resource(ai).createOr(existing -> existing.update()));
      }
      assertThat(examples).hasSizeGreaterThanOrEqualTo(6);
      // the operator makes them Ready (links and all); then it stops, and the test writes a download's progress as it would
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> examples.stream().allMatch(ai -> {
        AIService now = client.resources(AIService.class).inNamespace(ai.getMetadata().getNamespace()).withName(ai.getMetadata().getName()).get();
        return now.getStatus() != null && now.getStatus().url != null && now.getStatus().conditions.stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
      }));
      harness.stopOperator();
      AIModel download = downloading(client, 10);
      PortalCache cache = new PortalCache(client, List.of());
      List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
      PortalActions actions = new PortalActions(client, (user, groups, verb, group, resource, namespace, name) -> asked.add(user + " " + name));
      try (PortalServer server = new PortalServer(cache, actions, config, 0); AutoCloseable closeCache = cache::close) {
        ChromeDriver browser = browser();
        try {
          String url = "http://127.0.0.1:" + server.port() + "/";
          browser.get(url);
          WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
          // every example AIService with its link, once the operator has made it Ready
          for (AIService ai : examples) {
            String card = "[data-service='" + ai.getMetadata().getNamespace() + "/" + ai.getMetadata().getName() + "']";
            wait.until(d -> !d.findElements(By.cssSelector(card + " h3 a[href^='http']")).isEmpty());
          }
          // no buttons without an identity
          assertThat(browser.findElements(By.tagName("button"))).isEmpty();
          // a download's progress
          assertThat(browser.findElement(By.cssSelector("[data-model='studio/" + download.getMetadata().getName() + "'] progress"))
              .getAttribute("value")).isEqualTo("10");

          // a status change reaches the open page within 2 seconds
          AIService first = client.resources(AIService.class).inNamespace(examples.get(0).getMetadata().getNamespace())
              .withName(examples.get(0).getMetadata().getName()).get();
          downloading(client, 55);
          long changed = System.nanoTime();
          new WebDriverWait(browser, Duration.ofSeconds(2)).until(d -> "55".equals(d.findElement(
              By.cssSelector("[data-model='studio/" + download.getMetadata().getName() + "'] progress")).getAttribute("value")));
          assertThat(Duration.ofNanos(System.nanoTime() - changed)).isLessThan(Duration.ofSeconds(2));

          assertThat(severeConsoleEntries(browser)).isEmpty();
          assertThat(seriousAxeViolations(browser)).isEmpty();

          // keyboard: the first Tab reaches the skip link, Enter moves to the apps
          browser.findElement(By.tagName("body")).sendKeys(Keys.TAB);
          assertThat(browser.switchTo().activeElement().getText()).isEqualTo("Skip to the apps");
          browser.switchTo().activeElement().sendKeys(Keys.ENTER);
          browser.switchTo().activeElement().sendKeys(Keys.TAB);
          assertThat(browser.switchTo().activeElement().getTagName()).isEqualTo("a");

          // a phone: nothing wider than the screen, still no serious violation
          browser.manage().window().setSize(new Dimension(390, 844));
          Object overflow = ((JavascriptExecutor) browser).executeScript(
              "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
          assertThat(((Number) overflow).intValue()).isLessThanOrEqualTo(0);
          assertThat(seriousAxeViolations(browser)).isEmpty();
          browser.manage().window().setSize(new Dimension(1280, 1000));

          // signed in through the proxy (the header it adds): actions appear, and work with the keyboard
          browser.executeCdpCommand("Network.enable", Map.of());
          browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("X-Auth-Request-User", "alice")));
          browser.get(url);
          String name = first.getMetadata().getName();
          WebElement suspend = wait.until(d -> d.findElement(By.xpath("//button[normalize-space()='Suspend " + name + "']")));
          assertThat(browser.findElement(By.cssSelector(".who")).getText()).contains("Signed in as alice");
          assertThat(seriousAxeViolations(browser)).isEmpty();
          // the README's screenshot, of the signed-in page
          Files.createDirectories(REPO.resolve("docs"));
          Files.write(REPO.resolve("docs/portal.png"), browser.getScreenshotAs(OutputType.BYTES));
          suspend.sendKeys(Keys.ENTER);
          wait.until(d -> !d.findElements(By.xpath("//button[normalize-space()='Resume " + name + "']")).isEmpty());
          assertThat(asked).containsExactly("alice " + name);
          assertThat(client.resources(AIService.class).inNamespace(first.getMetadata().getNamespace()).withName(name).get().getSpec().suspend)
              .isTrue();
          assertThat(severeConsoleEntries(browser)).isEmpty();
        } finally {
          browser.quit();
        }
      }
    }
  }

  private static AIModel downloading(io.fabric8.kubernetes.client.KubernetesClient client, int percent) {
    var existing = client.resources(AIModel.class).inNamespace("studio").withName("flux1-dev").get();
    AIModel model = existing;
    if (model == null) {
      model = new AIModel();
      model.setMetadata(new ObjectMetaBuilder().withName("flux1-dev").withNamespace("studio").build());
      model.setSpec(new AIModelSpec());
      model.getSpec().source = new AIModelSpec.Source();
      model.getSpec().source.huggingFace = new AIModelSpec.HuggingFace();
      model.getSpec().source.huggingFace.repo = "black-forest-labs/FLUX.1-dev";
      model.getSpec().source.huggingFace.file = "flux1-dev.safetensors";
      model.getSpec().category = "diffusion_models";
      model = client.resource(model).create();
    }
    model.setStatus(new AIModelStatus());
    model.getStatus().size = (percent * 238 / 1000.0) + " GiB / 23.8 GiB (" + percent + " %)";
    model.getStatus().conditions = new ArrayList<>(List.of(new ConditionBuilder().withType("Reconciling").withStatus("True")
        .withReason("Downloading").build()));
    return client.resource(model).updateStatus();
  }

  private static ChromeDriver browser() throws java.io.IOException {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    // what works on a closed network as root: no sandbox, no background connections to Google
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
        "--user-data-dir=" + Files.createTempDirectory("portal-chromium"));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  private static List<String> severeConsoleEntries(ChromeDriver browser) {
    return browser.manage().logs().get(LogType.BROWSER).getAll().stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage).toList();
  }

  /** axe-core run in the page: the violations of impact serious or critical, as "rule: target". */
  @SuppressWarnings("unchecked")
  private static List<String> seriousAxeViolations(ChromeDriver browser) throws java.io.IOException {
    browser.executeScript(Files.readString(axe()));
    Object result = browser.executeAsyncScript("var done = arguments[arguments.length - 1];"
        + "axe.run(document, {resultTypes: ['violations']}).then(function (r) {"
        + "  done(r.violations.filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })"
        + "    .map(function (v) { return v.id + ': ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); }));"
        + "}).catch(function (e) { done(['axe failed: ' + e]); });");
    return (List<String>) result;
  }
}
