package de.dhoch3.aiservices.reconcile;

import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.time.Duration;

/**
 * How failed reconciles are retried: exponentially, never giving up. JOSDK's default stops after
 * five attempts (about 20 s) and then waits for the next resync, so a short API or webhook outage
 * during a change would leave it unapplied for hours.
 *
 * @param initial first delay
 * @param multiplier growth per attempt
 * @param max the cap: a failing AIService is tried again at least this often
 */
public record RetryPolicy(Duration initial, double multiplier, Duration max) {
  public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofSeconds(2), 2.0, Duration.ofMinutes(3));

  GenericRetry toJosdk() {
    return new GenericRetry().withoutMaxAttempts()
        .setInitialInterval(initial.toMillis()).setIntervalMultiplier(multiplier).setMaxInterval(max.toMillis());
  }

  /**
   * The delay JOSDK waits after the failure with this many earlier failed attempts, as JOSDK 5.2.3's
   * {@code GenericRetryExecution.nextDelay} computes it: the initial delay twice, then multiplied, capped.
   */
  public Duration delayAfter(int earlierAttempts) {
    double millis = initial.toMillis() * Math.pow(multiplier, Math.max(0, earlierAttempts - 1));
    return Duration.ofMillis((long) Math.min(millis, max.toMillis()));
  }
}
