package de.dhoch3.aiservices.reconcile.dependents;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The status trusts the dependent's comparison only for the very version of the Deployment it compared. */
class DesiredWorkloadTest {
  private static Deployment deployment(String uid, String resourceVersion) {
    return new DeploymentBuilder().withNewMetadata().withName("app").withNamespace("studio").withUid(uid)
        .withResourceVersion(resourceVersion).endMetadata().build();
  }

  @Test
  void onlyTheSameUidAndResourceVersionCountAsFoundCurrent() {
    Optional<String> compared = Optional.of("uid-1/17");
    assertThat(DesiredWorkload.sameVersion(compared, deployment("uid-1", "17"))).isTrue();
    // written since (someone's edit, or the operator's own update): compare again
    assertThat(DesiredWorkload.sameVersion(compared, deployment("uid-1", "18"))).isFalse();
    // deleted and made again under the same name
    assertThat(DesiredWorkload.sameVersion(compared, deployment("uid-2", "17"))).isFalse();
    // nothing compared or written in this reconcile (its node did not run)
    assertThat(DesiredWorkload.sameVersion(Optional.empty(), deployment("uid-1", "17"))).isFalse();
    assertThat(DesiredWorkload.sameVersion(compared, null)).isFalse();
  }
}
