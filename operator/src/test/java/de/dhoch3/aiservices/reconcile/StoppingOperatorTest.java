package de.dhoch3.aiservices.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A reconcile cut short by the operator's stop writes no status: a restart in the chaos run once left
 * an AIService Ready=False for good, written by the stopping operator after the new one's status.
 */
class StoppingOperatorTest {
  @Test
  void anInterruptedReconcileIsTheOperatorStoppingAndAnyOtherFailureIsNot() {
    assertThat(AIServiceReconciler.stopping(new RuntimeException("workflow", new InterruptedException()))).isTrue();
    assertThat(AIServiceReconciler.stopping(new AggregatedOperatorException("dependents failed",
        Map.of("deployment", new IllegalStateException(new InterruptedException()))))).isTrue();
    assertThat(AIServiceReconciler.stopping(new RuntimeException("policy server unavailable"))).isFalse();
    assertThat(AIServiceReconciler.stopping(new AggregatedOperatorException("dependents failed",
        Map.of("deployment", new IllegalStateException("500"))))).isFalse();
    Thread.currentThread().interrupt();
    try {
      assertThat(AIServiceReconciler.stopping(new RuntimeException("any"))).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  /** Through the reconciler's own error path: an interrupted reconcile leaves the AIService's status as it was. */
  @Test
  void anInterruptedReconcileWritesNoStatus() {
    try (var cluster = de.dhoch3.aiservices.embedded.EmbeddedCluster.start(); var client = cluster.newClient()) {
      cluster.ensureNamespace(OperatorHarness.NS);
      var ai = client.resource(OperatorHarness.aiservice("stopping", de.dhoch3.aiservices.api.App.COMFYUI)).create();
      var reconciler = new AIServiceReconciler(de.dhoch3.aiservices.config.OperatorConfig.defaults(), client, java.time.Clock.systemUTC(),
          RetryPolicy.DEFAULT, true);
      // no context: the stopping path needs none (any other path reads the retry count from it)
      var control = reconciler.updateErrorStatus(ai, null, new RuntimeException("workflow", new InterruptedException()));
      assertThat(control.getResource()).isEmpty();
      assertThat(client.resources(de.dhoch3.aiservices.api.AIService.class).inNamespace(OperatorHarness.NS).withName("stopping").get()
          .getStatus()).isNull();
    }
  }
}
