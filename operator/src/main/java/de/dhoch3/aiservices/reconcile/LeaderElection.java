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

  /** Losing the lease exits the process, a stop does not (see the full form). */
  public static LeaderElectionConfiguration configuration(String leaseNamespace, String identity) {
    return configuration(leaseNamespace, identity, () -> { }, () -> false, () -> System.exit(1));
  }

  /**
   * Production: {@code onStartLeading} runs when this process becomes the leader (what only the leader
   * may do besides reconciling). Losing the lease while running calls {@code exitProcess} (the pod
   * restarts as a follower; nothing is written after the lease is gone); once {@code stopping} is true
   * (the operator is being stopped) the end of leading is expected and exits nothing.
   *
   * <p>Not JOSDK's exitOnStopLeading: it cannot tell the two apart. {@code Operator.stop()} cancels the
   * elector, whose stop-leading callback then calls {@code System.exit} (JOSDK 5.2.3
   * LeaderElectionManager.java:120-127, reached from Operator.java:219); inside the SIGTERM shutdown
   * hook that call waits for the hook itself, for ever: the pod hung until it was killed and never gave
   * its lease up. And {@code exitProcess} runs on a thread of its own: the callback holds fabric8's
   * LeaderElector lock, which the shutdown hook's stop needs.
   */
  public static LeaderElectionConfiguration configuration(String leaseNamespace, String identity, Runnable onStartLeading,
      java.util.function.BooleanSupplier stopping, Runnable exitProcess) {
    Runnable onStopLeading = () -> {
      if (!stopping.getAsBoolean()) {
        Thread exit = new Thread(exitProcess, "lease-lost-exit");
        exit.setDaemon(false);
        exit.start();
      }
    };
    return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE_NAME)
        .withLeaseNamespace(leaseNamespace)
        .withIdentity(identity)
        .withLeaderCallbacks(new io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks(onStartLeading, onStopLeading, leader -> { }))
        .withLeaseDuration(LEASE_DURATION).withRenewDeadline(RENEW_DEADLINE).withRetryPeriod(RETRY_PERIOD)
        .withExitOnStopLeading(false)
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

  /**
   * Gives the lease up after a clean stop, so that the next operator (the new pod of a Recreate
   * upgrade) leads at once instead of waiting out the lease: JOSDK 5.2 builds fabric8's
   * LeaderElectionConfig with releaseOnCancel false (LeaderElectionManager#init). Only a lease this
   * process still holds is touched; the stopped operator writes nothing after this.
   */
  public static void release(io.fabric8.kubernetes.client.KubernetesClient client, String leaseNamespace, String identity) {
    var lease = client.leases().inNamespace(leaseNamespace).withName(LEASE_NAME);
    var current = lease.get();
    if (current == null || current.getSpec() == null || !identity.equals(current.getSpec().getHolderIdentity())) {
      return;
    }
    current.getSpec().setHolderIdentity(null);
    current.getSpec().setLeaseDurationSeconds(1);
    client.resource(current).update(); // with its resourceVersion: a conflict means someone else holds it by now
  }
}
