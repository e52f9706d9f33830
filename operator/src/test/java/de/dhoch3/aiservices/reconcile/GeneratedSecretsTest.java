package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.conditionIs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.AuthSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * spec.auth.generate through the real reconciler: an AI Toolkit whose token Secret nothing creates
 * gets one (so kubectl apply, Argo CD and Flux paths become Ready without a hand step); a Secret
 * that exists is never touched, and the generated one outlives its AIService.
 */
class GeneratedSecretsTest {
  private final OperatorHarness harness = new OperatorHarness(OperatorConfig.defaults());

  private static AIService toolkit(String name, String secret, Boolean generate) {
    AIService ai = aiservice(name, App.AI_TOOLKIT);
    ai.getSpec().auth = new AuthSpec();
    ai.getSpec().auth.secretName = secret;
    ai.getSpec().auth.generate = generate;
    return ai;
  }

  private Secret secret(String name) {
    return harness.client.secrets().inNamespace(NS).withName(name).get();
  }

  @Test
  void aMissingTokenSecretIsCreatedWithARandomTokenAndOutlivesItsApp() {
    harness.create(toolkit("toolkit", "toolkit-auth", true));
    await().atMost(Duration.ofSeconds(30)).until(() -> secret("toolkit-auth") != null);
    Secret made = secret("toolkit-auth");
    // 32 random bytes, base64url without padding: 43 characters
    String token = new String(Base64.getDecoder().decode(made.getData().get("token")), StandardCharsets.UTF_8);
    assertThat(token).matches("[A-Za-z0-9_-]{43}");
    assertThat(made.getMetadata().getOwnerReferences()).as("kept when the app goes").isEmpty();
    // the Deployment reads that key of that Secret
    harness.awaitStatus("toolkit", conditionIs(StatusCalculator.READY, "False"));
    var env = harness.deployment("toolkit").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals("AI_TOOLKIT_AUTH")).findFirst().orElseThrow();
    assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo("toolkit-auth");
    assertThat(env.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");

    harness.client.resource(harness.get("toolkit")).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> harness.get("toolkit") == null);
    assertThat(secret("toolkit-auth").getData().get("token")).isEqualTo(made.getData().get("token"));
  }

  @Test
  void anExistingSecretIsNeverOverwrittenAndWithoutGenerateNoneIsMade() {
    harness.client.resource(new SecretBuilder().withNewMetadata().withName("own-auth").withNamespace(NS).endMetadata()
        .withData(Map.of("token", Base64.getEncoder().encodeToString("the-studios-own".getBytes(StandardCharsets.UTF_8)))).build()).create();
    harness.create(toolkit("own", "own-auth", true));
    harness.create(toolkit("plain", "plain-auth", null));
    harness.awaitStatus("own", ai -> ai.getStatus().observedGeneration != null);
    harness.awaitStatus("plain", ai -> ai.getStatus().observedGeneration != null);
    assertThat(new String(Base64.getDecoder().decode(secret("own-auth").getData().get("token")), StandardCharsets.UTF_8))
        .isEqualTo("the-studios-own");
    assertThat(secret("plain-auth")).as("not asked for").isNull();
  }

  @AfterEach
  void close() {
    harness.close();
  }
}
