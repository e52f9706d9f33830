package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas with leader election on the in-process API server: exactly one writes; when it
 * stops, or can no longer renew its lease, the other takes over, and the old one has stopped
 * writing before that. Each replica's writes are told apart by a header of its client.
 */
class LeaderElectionTest {
  private static final String WHO = "X-Operator-Replica";
  // production's proportions (LeaderElection), ten times faster: renew deadline + (retries + 1) x request timeout < lease
  private static final Duration LEASE = Duration.ofMillis(4500);
  private static final Duration RENEW_DEADLINE = Duration.ofSeconds(2);

  private final EmbeddedCluster cluster = EmbeddedCluster.start();
  /** Writes to the apps' namespace (not the lease, not the permission check at start), by replica, with their time and path. */
  private final Map<String, List<Write>> writes = new ConcurrentHashMap<>();
  private final Set<String> cutOffFromTheLease = ConcurrentHashMap.newKeySet();
  private final List<Operator> started = new CopyOnWriteArrayList<>();

  record Write(Instant at, String path) {}

  LeaderElectionTest() {
    cluster.ensureNamespace(NS);
    cluster.ensureNamespace("aiservice-system");
    cluster.server().inject(request -> {
      String who = request.getHeader(WHO);
      boolean lease = request.getPath().contains("/leases");
      if (who != null && lease && cutOffFromTheLease.contains(who) && !request.getMethod().equals("GET")) {
        return new MockResponse().setResponseCode(500).setBody(Serialization.asJson(
            new StatusBuilder().withStatus("Failure").withCode(500).withMessage("etcdserver: leader changed").build()));
      }
      if (who != null && !lease && !request.getMethod().equals("GET") && request.getPath().contains("/namespaces/" + NS + "/")) {
        writes.computeIfAbsent(who, k -> new CopyOnWriteArrayList<>()).add(new Write(Instant.now(), request.getPath()));
      }
      return null;
    });
  }

  /** Per replica: set before it is stopped on purpose (as RunCommand's shutdown hook does). */
  private final Map<String, java.util.concurrent.atomic.AtomicBoolean> stopping = new ConcurrentHashMap<>();
  /** Replicas whose "process exit" production's callback asked for. */
  private final Set<String> exited = ConcurrentHashMap.newKeySet();

  /**
   * A replica with production's leader callbacks (LeaderElection) at the test's timing; where
   * production exits the process after losing the lease, this replica is stopped instead.
   */
  private Operator replica(String id) {
    KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(LeaderElection.clientConfig(cluster.client().getConfiguration()))
        .withRequestTimeout(1000).withCustomHeaders(Map.of(WHO, id)).build()).build();
    AtomicReference<Operator> self = new AtomicReference<>();
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    stopping.put(id, stop);
    var production = LeaderElection.configuration("aiservice-system", id, () -> { }, stop::get, () -> {
      exited.add(id);
      self.get().stop();
    });
    Operator operator = AIServiceOperator.create(client, OperatorConfig.defaults(), Clock.systemUTC(), null,
        OperatorHarness.STAY_IN_THE_JVM.andThen(overrider -> overrider.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration("aiservice-operator-lock")
            .withLeaseNamespace("aiservice-system").withIdentity(id)
            .withLeaseDuration(LEASE).withRenewDeadline(RENEW_DEADLINE).withRetryPeriod(Duration.ofMillis(500))
            .withExitOnStopLeading(production.isExitOnStopLeading())
            .withLeaderCallbacks(production.getLeaderCallbacks().orElseThrow())
            .build())));
    self.set(operator);
    operator.start();
    started.add(operator);
    return operator;
  }

  /** A stop on purpose (an upgrade, a drain), as RunCommand's shutdown hook makes it. */
  private void stopOnPurpose(String id, Operator operator) {
    stopping.get(id).set(true);
    operator.stop();
  }

  private void awaitDeployment(String name, Duration within) {
    await().atMost(within).pollInterval(Duration.ofMillis(100))
        .until(() -> cluster.client().apps().deployments().inNamespace(NS).withName(name).get() != null);
  }

  /** Replicas that wrote to the apps' namespace after this moment (a create's path has no name: attribute by time). */
  private Set<String> writersSince(Instant since) {
    Set<String> writers = ConcurrentHashMap.newKeySet();
    writes.forEach((who, list) -> list.stream().filter(w -> w.at().isAfter(since)).forEach(w -> writers.add(who)));
    return writers;
  }

  @Test
  void exactlyOneReplicaWritesAndTheOtherTakesOverWhenItStopsOrLosesTheLease() throws Exception {
    Operator a = replica("a");
    Operator b = replica("b");
    KubernetesClient user = cluster.newClient();
    user.resource(aiservice("first", App.COMFYUI)).create();
    awaitDeployment("first", Duration.ofSeconds(20));
    Thread.sleep(1500);
    assertThat(writes.keySet()).as("replicas that wrote").hasSize(1);
    String leader = writes.keySet().iterator().next();

    // the leader stops (an upgrade, a drain): the other takes over within the lease's duration
    stopOnPurpose(leader, leader.equals("a") ? a : b);
    Instant stopped = Instant.now();
    user.resource(aiservice("second", App.COMFYUI)).create();
    awaitDeployment("second", LEASE.plus(Duration.ofSeconds(8)));
    String follower = leader.equals("a") ? "b" : "a";
    assertThat(writersSince(stopped)).containsExactly(follower);
    assertThat(Duration.between(stopped, Instant.now())).isLessThan(LEASE.plus(Duration.ofSeconds(8)));

    // the new leader can no longer renew (cut off from the lease); a standby starts
    replica("c");
    cutOffFromTheLease.add(follower);
    Instant cut = Instant.now();
    Thread.sleep(LEASE.toMillis());
    user.resource(aiservice("third", App.COMFYUI)).create();
    awaitDeployment("third", LEASE.plus(Duration.ofSeconds(10)));
    assertThat(writersSince(cut.plus(LEASE))).containsExactly("c");
    // losing the lease ended the cut-off leader the way production ends the process; the stop on purpose did not
    assertThat(exited).containsExactly(follower);
    // the cut-off leader stopped writing before the new one could hold the lease
    List<Write> late = new ArrayList<>(writes.getOrDefault(follower, List.of()).stream()
        .filter(w -> w.at().isAfter(cut.plus(LEASE))).toList());
    assertThat(late).as("writes of the replica that lost its lease").isEmpty();
    Instant firstOfC = writes.get("c").stream().map(Write::at).min(Instant::compareTo).orElseThrow();
    Instant lastOfFollower = writes.get(follower).stream().map(Write::at).max(Instant::compareTo).orElseThrow();
    assertThat(lastOfFollower).isBefore(firstOfC);
  }

  /** Production's lease, except that stopping does not exit the JVM (production: exitOnStopLeading). */
  private static io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration atProductionTiming(String identity) {
    var production = LeaderElection.configuration("aiservice-system", identity);
    return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(production.getLeaseName())
        .withLeaseNamespace("aiservice-system").withIdentity(identity)
        .withLeaseDuration(production.getLeaseDuration()).withRenewDeadline(production.getRenewDeadline())
        .withRetryPeriod(production.getRetryPeriod()).withExitOnStopLeading(false).build();
  }

  /**
   * A Recreate upgrade: the old pod stops cleanly and gives its lease up, so the new one leads at
   * once instead of waiting out the production lease (45 s); a lease another holds is left alone.
   */
  @Test
  void aCleanStopGivesTheLeaseUpSoTheNextOperatorLeadsAtOnce() throws Exception {
    KubernetesClient user = cluster.newClient();
    Operator old = AIServiceOperator.create(cluster.newClient(), OperatorConfig.defaults(), Clock.systemUTC(), null,
        OperatorHarness.STAY_IN_THE_JVM.andThen(o -> o.withLeaderElectionConfiguration(atProductionTiming("old-pod"))));
    started.add(old);
    old.start();
    user.resource(aiservice("first", App.COMFYUI)).create();
    awaitDeployment("first", Duration.ofSeconds(20));
    var lease = user.leases().inNamespace("aiservice-system").withName(LeaderElection.LEASE_NAME);
    assertThat(lease.get().getSpec().getHolderIdentity()).isEqualTo("old-pod");
    old.stop();
    LeaderElection.release(user, "aiservice-system", "somebody-else");
    assertThat(lease.get().getSpec().getHolderIdentity()).as("not ours to give up").isEqualTo("old-pod");
    LeaderElection.release(user, "aiservice-system", "old-pod");
    assertThat(lease.get().getSpec().getHolderIdentity()).isNull();

    Operator next = AIServiceOperator.create(cluster.newClient(), OperatorConfig.defaults(), Clock.systemUTC(), null,
        OperatorHarness.STAY_IN_THE_JVM.andThen(o -> o.withLeaderElectionConfiguration(atProductionTiming("new-pod"))));
    started.add(next);
    next.start();
    user.resource(aiservice("second", App.COMFYUI)).create();
    // well inside the 45 s the lease would otherwise still run
    awaitDeployment("second", Duration.ofSeconds(15));
    assertThat(lease.get().getSpec().getHolderIdentity()).isEqualTo("new-pod");
  }

  @AfterEach
  void stopAll() {
    stopping.values().forEach(flag -> flag.set(true));
    started.forEach(Operator::stop);
    cluster.close();
  }
}
