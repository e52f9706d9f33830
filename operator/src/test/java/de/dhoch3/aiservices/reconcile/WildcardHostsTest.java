package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.conditionIs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ExposeSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where the admin allows wildcard hosts, a wildcard and the names below it are one served space:
 * a wildcard cannot take a name another team already serves, nor can a name below another team's
 * wildcard be taken, whichever comes first.
 */
class WildcardHostsTest {
  private static OperatorHarness harness;

  @BeforeAll
  static void start() {
    OperatorConfig config = OperatorConfig.defaults();
    config.policy.allowWildcardHosts = true;
    harness = new OperatorHarness(config);
    harness.cluster.ensureNamespace("team-w");
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  private static AIService serving(String name, String namespace, String host) {
    AIService ai = aiservice(name, App.COMFYUI);
    ai.getMetadata().setNamespace(namespace);
    ai.getSpec().expose = new ExposeSpec();
    ai.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
    ai.getSpec().expose.ingress.host = host;
    return ai;
  }

  private static String stalledReason(String namespace, String name) {
    AIService ai = harness.client.resources(AIService.class).inNamespace(namespace).withName(name).get();
    return ai == null || ai.getStatus() == null ? null
        : OperatorHarness.condition(ai, StatusCalculator.STALLED).filter(c -> "True".equals(c.getStatus())).map(c -> c.getReason()).orElse(null);
  }

  @Test
  void aWildcardCannotTakeANameAnotherTeamServes() {
    harness.create(serving("render", NS, "render.alpha.example.com"));
    harness.awaitStatus("render", conditionIs(StatusCalculator.STALLED, "False"));
    harness.client.resource(serving("catch-all", "team-w", "*.alpha.example.com")).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> stalledReason("team-w", "catch-all") != null);
    assertThat(stalledReason("team-w", "catch-all")).isEqualTo("HostTaken");
    assertThat(harness.client.network().v1().ingresses().inNamespace("team-w").withName("catch-all").get()).isNull();
  }

  @Test
  void aNameBelowAnotherTeamsWildcardCannotBeTaken() {
    harness.create(serving("wildcard", NS, "*.beta.example.com"));
    harness.awaitStatus("wildcard", conditionIs(StatusCalculator.STALLED, "False"));
    harness.client.resource(serving("one-name", "team-w", "shop.beta.example.com")).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> stalledReason("team-w", "one-name") != null);
    assertThat(stalledReason("team-w", "one-name")).isEqualTo("HostTaken");
    assertThat(harness.client.network().v1().ingresses().inNamespace("team-w").withName("one-name").get()).isNull();
  }
}
