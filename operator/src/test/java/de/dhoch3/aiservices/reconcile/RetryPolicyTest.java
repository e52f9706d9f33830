package de.dhoch3.aiservices.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Retries never give up and are capped at 3 minutes (README: from 2 s, doubling, capped at 3 minutes). */
class RetryPolicyTest {
  @Test
  void theDefaultDelaysAreTwoSecondsTwiceThenDoublingUpToThreeMinutes() {
    RetryPolicy retry = RetryPolicy.DEFAULT;
    // JOSDK 5.2.3 GenericRetryExecution.nextDelay: the initial interval for the first two attempts, then multiplied
    assertThat(retry.delayAfter(0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(retry.delayAfter(1)).isEqualTo(Duration.ofSeconds(2));
    assertThat(retry.delayAfter(2)).isEqualTo(Duration.ofSeconds(4));
    assertThat(retry.delayAfter(3)).isEqualTo(Duration.ofSeconds(8));
    assertThat(retry.delayAfter(7)).isEqualTo(Duration.ofSeconds(128));
    assertThat(retry.delayAfter(8)).isEqualTo(Duration.ofMinutes(3));
    assertThat(retry.delayAfter(1000)).isEqualTo(Duration.ofMinutes(3));
  }

  @Test
  void jOsdkIsToldTheSameAndNeverToStop() {
    GenericRetry josdk = RetryPolicy.DEFAULT.toJosdk();
    assertThat(josdk.getInitialInterval()).isEqualTo(2000L);
    assertThat(josdk.getIntervalMultiplier()).isEqualTo(2.0);
    assertThat(josdk.getMaxInterval()).isEqualTo(180_000L);
    assertThat(josdk.getMaxAttempts()).isEqualTo(-1);
  }
}
