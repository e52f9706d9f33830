package de.dhoch3.aiservices.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The start's warm-up hands the client the serialization it warmed, and that one reads as production's does. */
class StartWarmUpTest {
  private static final String JSON = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
      + "\"labels\":{\"app.kubernetes.io/managed-by\":\"aiservice-operator\"}},\"data\":{\"k\":\"v\"}}";

  @Test
  void theClientGetsTheOneSerializationTheWarmUpMade() {
    // Main.main is the only caller of begin(), and no test calls main (it exits the JVM): not begun, a new one each time
    assertThat(StartWarmUp.serialization()).isNotSameAs(StartWarmUp.serialization());
    KubernetesSerialization warmed = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      StartWarmUp.begin();
      StartWarmUp.begin();   // a second call starts nothing new
      return StartWarmUp.serialization();
    });
    assertThat(StartWarmUp.serialization()).isSameAs(warmed);
    // production's reading (reconcile/CompactStrings): a repeated value is one instance, built at run time here
    ConfigMap a = warmed.unmarshal(JSON.formatted(new StringBuilder("a").append("1").toString()), ConfigMap.class);
    ConfigMap b = warmed.unmarshal(JSON.formatted("b1"), ConfigMap.class);
    assertThat(a.getMetadata().getLabels().get("app.kubernetes.io/managed-by"))
        .isEqualTo("aiservice-operator").isSameAs(b.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
    assertThat(a.getMetadata().getName()).isEqualTo("a1");
  }
}
