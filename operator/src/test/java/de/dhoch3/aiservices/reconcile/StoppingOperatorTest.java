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
}
