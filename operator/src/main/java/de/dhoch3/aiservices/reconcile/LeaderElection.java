package de.dhoch3.aiservices.reconcile;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.time.Duration;

/**
 * Leader election of several operator replicas, timed so that a leader that can no longer renew
 * its lease stops (the process exits) before another replica can hold it. fabric8's
 * LeaderElector checks the renew deadline only between calls, and the client retries a failed
 * call itself (by default 10 times, backing off to minutes), so one renewal may block far beyond
 * the deadline. Hence the operator's client retries at most once, and
 * {@code RENEW_DEADLINE + (RETRIES + 1) x REQUEST_TIMEOUT + backoff < LEASE_DURATION}.
 */
public final class LeaderElection {
  public static final String LEASE_NAME = "aiservice-operator-lock";
  public static final Duration LEASE_DURATION = Duration.ofSeconds(45);
  public static final Duration RENEW_DEADLINE = Duration.ofSeconds(20);
  public static final Duration RETRY_PERIOD = Duration.ofSeconds(2);
  static final int RETRIES = 1;
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private LeaderElection() {}

  /** Production: losing the lease exits the process (JOSDK's exitOnStopLeading), the pod restarts as a follower. */
  public static LeaderElectionConfiguration configuration(String leaseNamespace) {
    return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE_NAME)
        .withLeaseNamespace(leaseNamespace)
        .withLeaseDuration(LEASE_DURATION).withRenewDeadline(RENEW_DEADLINE).withRetryPeriod(RETRY_PERIOD)
        .withExitOnStopLeading(true)
        .build();
  }

  /** The operator's client: few retries of its own and a bounded request time (JOSDK retries reconciles). */
  public static Config clientConfig(Config base) {
    return new ConfigBuilder(base)
        .withRequestRetryBackoffLimit(RETRIES)
        .withRequestRetryBackoffInterval(200)
        .withRequestTimeout((int) REQUEST_TIMEOUT.toMillis())
        .build();
  }
}
