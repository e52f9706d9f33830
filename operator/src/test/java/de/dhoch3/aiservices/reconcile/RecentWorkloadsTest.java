package de.dhoch3.aiservices.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A kept workload is handed only to the next reconcile of the same AIService at the same generation. */
class RecentWorkloadsTest {
  private Instant now = Instant.parse("2026-12-07T08:00:00Z");
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  };

  private static AIService ai(String uid, Long generation) {
    AIService ai = new AIService();
    ai.setMetadata(new ObjectMetaBuilder().withName("comfy").withNamespace("studio").withUid(uid).withGeneration(generation).build());
    return ai;
  }

  private static Workload workload(String url) {
    return new Workload(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder().withNewMetadata().withName("comfy").endMetadata().build(),
        new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata().withName("comfy").endMetadata().build(),
        null, null, null, List.of(), url);
  }

  @Test
  void theSameAIServiceAtTheSameGenerationGetsItOnce() {
    RecentWorkloads recent = new RecentWorkloads(clock, 4);
    Workload built = workload("http://comfy.studio.svc:8188");
    recent.keep(ai("uid-1", 3L), built);
    assertThat(recent.take(ai("uid-1", 3L))).containsSame(built);
    // taken, not shared: a second reconcile builds its own
    assertThat(recent.take(ai("uid-1", 3L))).isEmpty();
  }

  @Test
  void aSpecChangeOrAnotherAIServiceOfTheSameNameNeverGetsIt() {
    RecentWorkloads recent = new RecentWorkloads(clock, 4);
    recent.keep(ai("uid-1", 3L), workload("a"));
    // the spec was changed since: generation 4 must be built from the new spec
    assertThat(recent.take(ai("uid-1", 4L))).isEmpty();
    assertThat(recent.size()).isZero();
    recent.keep(ai("uid-1", 3L), workload("a"));
    // deleted and made again under the same name (another uid), at the same generation
    assertThat(recent.take(ai("uid-2", 3L))).isEmpty();
    assertThat(recent.take(ai(null, 3L))).isEmpty();
    // an object without uid or generation (not from a server) is never kept
    recent.keep(ai(null, 3L), workload("b"));
    recent.keep(ai("uid-3", null), workload("c"));
    assertThat(recent.size()).isEqualTo(1);
  }

  @Test
  void boundedInNumberAndAge() {
    RecentWorkloads recent = new RecentWorkloads(clock, 2);
    recent.keep(ai("uid-1", 1L), workload("1"));
    recent.keep(ai("uid-2", 1L), workload("2"));
    // full: the new one is not kept; the oldest are the next to be taken (Deployments become available in order)
    recent.keep(ai("uid-3", 1L), workload("3"));
    assertThat(recent.size()).isEqualTo(2);
    assertThat(recent.take(ai("uid-3", 1L))).isEmpty();
    assertThat(recent.take(ai("uid-1", 1L))).map(Workload::url).contains("1");
    // one taken: room for one again
    recent.keep(ai("uid-4", 1L), workload("4"));
    assertThat(recent.size()).isEqualTo(2);

    now = now.plus(Duration.ofMinutes(2)).plusSeconds(1);
    // older than two minutes: built again (nothing that old is worth the memory)
    assertThat(recent.take(ai("uid-2", 1L))).isEmpty();
    recent.keep(ai("uid-5", 1L), workload("5"));
    // keeping a new one drops every one too old, so a full store of old ones does not block it
    assertThat(recent.size()).isEqualTo(1);
    assertThat(recent.take(ai("uid-5", 1L))).map(Workload::url).contains("5");
  }

  @Test
  void onlyTheTooOldAreDroppedTheYoungerStay() {
    RecentWorkloads recent = new RecentWorkloads(clock, 3);
    recent.keep(ai("uid-1", 1L), workload("1"));
    now = now.plusSeconds(90);
    recent.keep(ai("uid-2", 1L), workload("2"));
    // 130 s after the first, 40 s after the second: the first is too old (over 120 s), the second is not
    now = now.plusSeconds(40);
    recent.keep(ai("uid-3", 1L), workload("3"));
    assertThat(recent.size()).isEqualTo(2);
    assertThat(recent.take(ai("uid-2", 1L))).map(Workload::url).contains("2");
    assertThat(recent.take(ai("uid-1", 1L))).isEmpty();
  }

  @Test
  void justYoungEnoughIsStillTaken() {
    RecentWorkloads recent = new RecentWorkloads(clock, 2);
    Workload built = workload("1");
    recent.keep(ai("uid-1", 1L), built);
    now = now.plus(Duration.ofMinutes(2));
    assertThat(recent.take(ai("uid-1", 1L))).containsSame(built);
  }

  @Test
  void keptIsWhatBuildingAgainGivesWithoutJosdksBookkeeping() {
    RecentWorkloads recent = new RecentWorkloads(clock, 2);
    io.fabric8.kubernetes.api.model.Service service = new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata()
        .withName("comfy").addToAnnotations("javaoperatorsdk.io/previous", "7c1f")
        .addToAnnotations("ai.dhoch3.de/owned-annotations", "").endMetadata().build();
    io.fabric8.kubernetes.api.model.apps.Deployment deployment = new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
        .withNewMetadata().withName("comfy").endMetadata().build();
    deployment.getMetadata().setAnnotations(null);
    recent.keep(ai("uid-1", 1L), new Workload(deployment, service, null, null, null, List.of(), "u"));
    Workload kept = recent.take(ai("uid-1", 1L)).orElseThrow();
    // the annotation JOSDK added when it created the Service goes; the operator's own stay
    assertThat(kept.service().getMetadata().getAnnotations()).containsOnlyKeys("ai.dhoch3.de/owned-annotations");
    assertThat(kept.deployment().getMetadata().getAnnotations()).isNull();
  }
}
