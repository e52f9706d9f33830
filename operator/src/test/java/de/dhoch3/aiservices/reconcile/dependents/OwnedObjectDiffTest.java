package de.dhoch3.aiservices.reconcile.dependents;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The comparison that decides whether an owned object is rewritten: hand-written desired and live objects. */
class OwnedObjectDiffTest {
  private static final String UID = "uid-1";

  private static Deployment desired() {
    return new DeploymentBuilder()
        .withNewMetadata().withName("app").withNamespace("studio").withLabels(Map.of("ai.dhoch3.de/aiservice", "app"))
          .addNewOwnerReference().withUid(UID).withController(true).withKind("AIService").withName("app").withApiVersion("ai.dhoch3.de/v1alpha1").endOwnerReference()
        .endMetadata()
        .withNewSpec().withReplicas(1)
          .withNewTemplate().withNewMetadata().withLabels(Map.of("ai.dhoch3.de/aiservice", "app")).endMetadata().withNewSpec()
            .addNewContainer().withName("app").withImage("img:1")
              .addNewEnv().withName("A").withValue("1").endEnv()
              .addNewVolumeMount().withName("models").withMountPath("/models").withReadOnly(true).endVolumeMount()
              .withNewResources().withLimits(Map.of("memory", new Quantity("1Gi"))).endResources()
              .withNewReadinessProbe().withNewHttpGet().withPath("/").endHttpGet().endReadinessProbe()
            .endContainer()
          .endSpec().endTemplate()
        .endSpec().build();
  }

  /** The desired object as a real API server stores it: defaults filled in, quantities canonical. */
  private static Deployment asStored() {
    Deployment live = Serialization.clone(desired());
    live.getMetadata().setResourceVersion("42");
    live.getMetadata().setUid("d-1");
    live.getSpec().setRevisionHistoryLimit(10);
    live.getSpec().setProgressDeadlineSeconds(600);
    var pod = live.getSpec().getTemplate().getSpec();
    pod.setDnsPolicy("ClusterFirst");
    pod.setSchedulerName("default-scheduler");
    pod.setRestartPolicy("Always");
    var c = pod.getContainers().get(0);
    c.setTerminationMessagePath("/dev/termination-log");
    c.setImagePullPolicy("IfNotPresent");
    c.getReadinessProbe().setPeriodSeconds(10);
    c.getReadinessProbe().setSuccessThreshold(1);
    c.getReadinessProbe().getHttpGet().setScheme("HTTP");
    c.getResources().setLimits(Map.of("memory", new Quantity("1024Mi")));
    live.getSpec().getTemplate().getMetadata().setAnnotations(Map.of("kubectl.kubernetes.io/restartedAt", "2026-11-25T10:00:00Z"));
    return live;
  }

  @Test
  void serverDefaultsCanonicalQuantitiesAndRolloutRestartsAreNoDifference() {
    assertThat(OwnedObjectDiff.differences(desired(), asStored(), UID)).isEmpty();
  }

  @Test
  void aWritableMountAddedByHandIsADifference() {
    Deployment live = asStored();
    live.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts()
        .add(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("models").withMountPath("/rw").build());
    assertThat(OwnedObjectDiff.differences(desired(), live, UID))
        .containsExactly("spec.template.spec.containers[0].volumeMounts: 2 entries instead of 1");
  }

  @Test
  void fieldsOnlyTheLiveObjectHasAreDifferencesUnlessTheServerFillsThem() {
    Deployment live = asStored();
    live.getSpec().getTemplate().getSpec().setHostNetwork(true);
    live.getSpec().getTemplate().getSpec().getContainers().get(0).setSecurityContext(
        new io.fabric8.kubernetes.api.model.SecurityContextBuilder().withPrivileged(true).build());
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).containsExactlyInAnyOrder(
        "spec.template.spec.hostNetwork: added", "spec.template.spec.containers[0].securityContext: added");
  }

  @Test
  void aRemovedEnvEntryAndAChangedValueAreDifferences() {
    Deployment want = desired();
    want.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(List.of());
    assertThat(OwnedObjectDiff.differences(want, asStored(), UID)).containsExactly("spec.template.spec.containers[0].env: added");
    Deployment live = asStored();
    live.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("evil:1");
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).containsExactly("spec.template.spec.containers[0].image: evil:1 instead of img:1");
  }

  @Test
  void aMissingOwnerReferenceAndAnAnnotationNoLongerWantedAreDifferences() {
    Deployment live = asStored();
    live.getMetadata().setOwnerReferences(List.of());
    live.getMetadata().setAnnotations(Map.of("ai.dhoch3.de/owned-annotations", "cert-manager.io/cluster-issuer",
        "cert-manager.io/cluster-issuer", "letsencrypt", "other.tool/x", "kept"));
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).containsExactlyInAnyOrder(
        "metadata.annotations.cert-manager.io/cluster-issuer: no longer wanted",
        "metadata.annotations.ai.dhoch3.de/owned-annotations: no longer wanted",
        "metadata.ownerReferences: the AIService is not the controller");
  }

  @Test
  void revertingADeploymentKeepsARolloutRestartsAnnotationSoThePodIsNotRestartedForNothing() {
    Deployment live = asStored();
    live.getSpec().setReplicas(5);
    Deployment put = OwnedDependent.replacement(desired(), live);
    assertThat(put.getSpec().getReplicas()).isEqualTo(1);
    assertThat(put.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("kubectl.kubernetes.io/restartedAt", "2026-11-25T10:00:00Z");
  }

  @Test
  void theReplacementKeepsAllocatedAddressesOthersAnnotationsAndDropsOnlyTheOperatorsOldOnes() {
    Service want = new ServiceBuilder().withNewMetadata().withName("app").withAnnotations(Map.of()).endMetadata()
        .withNewSpec().withType("NodePort").addNewPort().withName("http").withPort(8188).endPort().endSpec().build();
    Service live = new ServiceBuilder().withNewMetadata().withName("app").withResourceVersion("7")
          .withAnnotations(Map.of("ai.dhoch3.de/owned-annotations", "a", "a", "old", "b", "others")).endMetadata()
        .withNewSpec().withType("NodePort").withClusterIP("10.96.0.12").withClusterIPs("10.96.0.12")
          .addNewPort().withName("http").withPort(8188).withNodePort(31234).endPort().endSpec().build();
    Service put = OwnedObjectDiff.replacement(want, live);
    assertThat(put.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(put.getSpec().getClusterIP()).isEqualTo("10.96.0.12");
    assertThat(put.getSpec().getPorts().get(0).getNodePort()).isEqualTo(31234);
    assertThat(put.getMetadata().getAnnotations()).isEqualTo(Map.of("b", "others"));
  }

  // ---- one edit each: metadata, value classes, who owns and who labelled ----

  @Test
  void aLabelOfOursChangedByHandIsADifference() {
    Deployment live = asStored();
    live.getMetadata().setLabels(Map.of("ai.dhoch3.de/aiservice", "other"));
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).containsExactly("metadata.labels.ai.dhoch3.de/aiservice: other instead of app");
  }

  @Test
  void aLabelOthersAddedIsNoDifference() {
    Deployment live = asStored();
    live.getMetadata().setLabels(Map.of("ai.dhoch3.de/aiservice", "app", "team", "render"));
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).isEmpty();
  }

  @Test
  void anAnnotationOfOursChangedByHandIsADifference() {
    Deployment want = desired();
    want.getMetadata().setAnnotations(Map.of("ai.dhoch3.de/config-hash", "abc"));
    Deployment live = asStored();
    live.getMetadata().setAnnotations(Map.of("ai.dhoch3.de/config-hash", "zzz"));
    assertThat(OwnedObjectDiff.differences(want, live, UID)).containsExactly("metadata.annotations.ai.dhoch3.de/config-hash: zzz instead of abc");
  }

  @Test
  void anAnnotationWeSetAndNoLongerWantIsADifferenceOthersAreNot() {
    Deployment live = asStored();
    live.getMetadata().setAnnotations(Map.of("ai.dhoch3.de/owned-annotations", "cert-manager.io/cluster-issuer",
        "cert-manager.io/cluster-issuer", "letsencrypt", "external-dns.alpha.kubernetes.io/ttl", "60"));
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).containsExactlyInAnyOrder(
        "metadata.annotations.cert-manager.io/cluster-issuer: no longer wanted",
        "metadata.annotations.ai.dhoch3.de/owned-annotations: no longer wanted");
  }

  @Test
  void anotherControllerIsADifferenceAnOwnerThatIsNoControllerToo() {
    Deployment live = asStored();
    live.getMetadata().getOwnerReferences().get(0).setController(false);
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).containsExactly("metadata.ownerReferences: the AIService is not the controller");
    assertThat(OwnedObjectDiff.controlledBy(live, UID)).isFalse();
    assertThat(OwnedObjectDiff.ownedBy(live, UID)).isTrue();
    assertThat(OwnedObjectDiff.controlledBy(asStored(), UID)).isTrue();
    assertThat(OwnedObjectDiff.ownedBy(asStored(), "uid-2")).isFalse();
    assertThat(OwnedObjectDiff.controlledBy(asStored(), "uid-2")).isFalse();
  }

  @Test
  void labelledForNeedsBothOfTheOperatorsLabels() {
    Deployment live = asStored();
    live.getMetadata().setLabels(Map.of("ai.dhoch3.de/aiservice", "app", "app.kubernetes.io/managed-by", "aiservice-operator"));
    assertThat(OwnedObjectDiff.labelledFor(live, "app")).isTrue();
    assertThat(OwnedObjectDiff.labelledFor(live, "other")).isFalse();
    live.getMetadata().setLabels(Map.of("ai.dhoch3.de/aiservice", "app"));
    assertThat(OwnedObjectDiff.labelledFor(live, "app")).isFalse();
    live.getMetadata().setLabels(Map.of("ai.dhoch3.de/aiservice", "app", "app.kubernetes.io/managed-by", "helm"));
    assertThat(OwnedObjectDiff.labelledFor(live, "app")).isFalse();
  }

  @Test
  void aChangedPlainValueIsADifferenceAndQuantitiesCompareByAmount() {
    Deployment live = asStored();
    live.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("img:2");
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).containsExactly("spec.template.spec.containers[0].image: img:2 instead of img:1");
    Deployment bigger = asStored();
    bigger.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().setLimits(Map.of("memory", new Quantity("2Gi")));
    assertThat(OwnedObjectDiff.differences(desired(), bigger, UID)).containsExactly("spec.template.spec.containers[0].resources.limits.memory: 2Gi instead of 1Gi");
    Deployment word = asStored();
    word.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().setLimits(Map.of("memory", new Quantity("lots")));
    assertThat(OwnedObjectDiff.differences(desired(), word, UID)).hasSize(1);
    // "1" as text in a field that is not a quantity is not the number 1
    Deployment env = asStored();
    env.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().get(0).setValue("01");
    assertThat(OwnedObjectDiff.differences(desired(), env, UID)).containsExactly("spec.template.spec.containers[0].env[0].value: 01 instead of 1");
  }

  @Test
  void onlyTheProbeFieldsTheServerDefaultsAreTolerated() {
    Deployment live = asStored();
    var probe = live.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe();
    probe.setTimeoutSeconds(1);
    probe.setFailureThreshold(3);
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).isEmpty();
    probe.setInitialDelaySeconds(600);
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).containsExactly("spec.template.spec.containers[0].readinessProbe.initialDelaySeconds: added");
  }

  @Test
  void aServerFilledFieldIsToleratedOnlyWhereTheServerFillsIt() {
    Deployment live = asStored();
    // dnsPolicy is defaulted on the pod template, not on a container
    live.getSpec().getTemplate().getSpec().getContainers().get(0).setWorkingDir("/tmp");
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).containsExactly("spec.template.spec.containers[0].workingDir: added");
    Deployment hostNet = asStored();
    hostNet.getSpec().getTemplate().getSpec().setHostNetwork(true);
    assertThat(OwnedObjectDiff.differences(desired(), hostNet, UID)).containsExactly("spec.template.spec.hostNetwork: added");
  }

  @Test
  void handAddedTemplateAnnotationsGoExceptRolloutRestartsKeyByKey() {
    Deployment live = asStored();
    live.getSpec().getTemplate().getMetadata().setAnnotations(Map.of("kubectl.kubernetes.io/restartedAt", "x",
        "container.apparmor.security.beta.kubernetes.io/app", "unconfined"));
    assertThat(OwnedObjectDiff.differences(desired(), live, UID))
        .containsExactly("spec.template.metadata.annotations.container.apparmor.security.beta.kubernetes.io/app: added");
    Deployment want = desired();
    want.getSpec().getTemplate().getMetadata().setAnnotations(Map.of("ai.dhoch3.de/config-hash", "h"));
    Deployment both = asStored();
    both.getSpec().getTemplate().getMetadata().setAnnotations(Map.of("ai.dhoch3.de/config-hash", "h", "kubectl.kubernetes.io/restartedAt", "x",
        "seccomp.security.alpha.kubernetes.io/pod", "unconfined"));
    assertThat(OwnedObjectDiff.differences(want, both, UID))
        .containsExactly("spec.template.metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: added");
  }

  @Test
  void ingressAnnotationsThatAreNeverKeptAreNamedOthersStay() {
    io.fabric8.kubernetes.api.model.networking.v1.Ingress want = new io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder()
        .withNewMetadata().withName("app").addNewOwnerReference().withUid(UID).withController(true).endOwnerReference().endMetadata()
        .withNewSpec().withIngressClassName("traefik").addNewRule().withHost("app.example.com").endRule().endSpec().build();
    io.fabric8.kubernetes.api.model.networking.v1.Ingress live = Serialization.clone(want);
    live.getMetadata().setAnnotations(Map.of("nginx.ingress.kubernetes.io/server-alias", "grafana.example.com",
        "nginx.ingress.kubernetes.io/configuration-snippet", "x", "external-dns.alpha.kubernetes.io/ttl", "60"));
    assertThat(OwnedObjectDiff.differences(want, live, UID)).containsExactlyInAnyOrder(
        "metadata.annotations.nginx.ingress.kubernetes.io/server-alias: added by hand, never kept",
        "metadata.annotations.nginx.ingress.kubernetes.io/configuration-snippet: added by hand, never kept");
    // on a Deployment the same key is someone else's business
    Deployment deployment = asStored();
    deployment.getMetadata().setAnnotations(Map.of("nginx.ingress.kubernetes.io/server-alias", "x"));
    assertThat(OwnedObjectDiff.differences(desired(), deployment, UID)).isEmpty();
    // a class the cluster's default IngressClass admission filled in is no difference when we asked for none
    io.fabric8.kubernetes.api.model.networking.v1.Ingress noClass = Serialization.clone(want);
    noClass.getSpec().setIngressClassName(null);
    assertThat(OwnedObjectDiff.differences(noClass, want, UID)).isEmpty();
  }

  @Test
  void aTopLevelFieldOnlyTheLiveObjectHasIsAdditionButTheStatusIsNot() {
    var want = new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("app")
          .addNewOwnerReference().withUid(UID).withController(true).withKind("AIService").withName("app").endOwnerReference().endMetadata()
        .withData(Map.of("a", "1")).build();
    var live = new io.fabric8.kubernetes.api.model.ConfigMapBuilder(want).withBinaryData(Map.of("blob", "AAEC")).build();
    assertThat(OwnedObjectDiff.differences(want, live, UID)).containsExactly("binaryData: added");
    var emptied = new io.fabric8.kubernetes.api.model.ConfigMapBuilder(want).withBinaryData(Map.of()).build();
    assertThat(OwnedObjectDiff.differences(want, emptied, UID)).as("an empty map is no addition").isEmpty();
    Deployment withStatus = asStored();
    withStatus.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(1).withAvailableReplicas(1).build());
    assertThat(OwnedObjectDiff.differences(desired(), withStatus, UID)).as("the status is the controller's").isEmpty();
  }

  @Test
  void aPodTemplateLabelOthersAddedIsNoDifferenceOneOfOursChangedIs() {
    Deployment live = asStored();
    live.getSpec().getTemplate().getMetadata().setLabels(Map.of("ai.dhoch3.de/aiservice", "app", "sidecar.istio.io/inject", "false"));
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).isEmpty();
    live.getSpec().getTemplate().getMetadata().setLabels(Map.of("ai.dhoch3.de/aiservice", "other"));
    assertThat(OwnedObjectDiff.differences(desired(), live, UID)).containsExactly("spec.template.metadata.labels.ai.dhoch3.de/aiservice: other instead of app");
  }

  /** Only a container's probe fields are the server's to fill: a ConfigMap key that merely looks like one is a hand edit. */
  @Test
  void aKeyThatLooksLikeAProbeFieldOutsideAContainerIsAnAddition() {
    var want = new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("app")
          .addNewOwnerReference().withUid(UID).withController(true).withKind("AIService").withName("app").endOwnerReference().endMetadata()
        .withData(Map.of("a", "1")).build();
    var live = new io.fabric8.kubernetes.api.model.ConfigMapBuilder(want).addToData("xProbe.timeoutSeconds", "5").addToData("Probe.x", "1").build();
    assertThat(OwnedObjectDiff.differences(want, live, UID)).containsExactlyInAnyOrder("data.xProbe.timeoutSeconds: added", "data.Probe.x: added");
  }

  /** A user (root) set by hand on the app's container is no server default: reverted. */
  @Test
  void aRunAsUserAddedByHandIsADifference() {
    Deployment want = desired();
    want.getSpec().getTemplate().getSpec().getContainers().get(0).setSecurityContext(
        new io.fabric8.kubernetes.api.model.SecurityContextBuilder().withAllowPrivilegeEscalation(false).build());
    Deployment live = asStored();
    live.getSpec().getTemplate().getSpec().getContainers().get(0).setSecurityContext(
        new io.fabric8.kubernetes.api.model.SecurityContextBuilder().withAllowPrivilegeEscalation(false).withRunAsUser(0L).build());
    assertThat(OwnedObjectDiff.differences(want, live, UID)).containsExactly("spec.template.spec.containers[0].securityContext.runAsUser: added");
    live.getSpec().getTemplate().getSpec().getContainers().get(0).getSecurityContext().setRunAsUser(null);
    assertThat(OwnedObjectDiff.differences(want, live, UID)).isEmpty();
  }
}
