package de.dhoch3.aiservices.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The in-process server finds objects by name through its index exactly as the mock's full scan did. */
class IndexedStoreTest {
  static EmbeddedCluster cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start();
    client = cluster.client();
    cluster.ensureNamespace("a");
    cluster.ensureNamespace("b");
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static ConfigMap configMap(String namespace, String name, String value) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).addToLabels("v", value).endMetadata()
        .addToData("value", value).build();
  }

  @Test
  void sameNameInTwoNamespacesAndTwoKindsAreFourObjects() {
    client.resource(configMap("a", "same", "in-a")).create();
    client.resource(configMap("b", "same", "in-b")).create();
    client.resource(new SecretBuilder().withNewMetadata().withName("same").withNamespace("a").endMetadata()
        .addToStringData("k", "secret").build()).create();

    assertThat(client.configMaps().inNamespace("a").withName("same").get().getData()).containsEntry("value", "in-a");
    assertThat(client.configMaps().inNamespace("b").withName("same").get().getData()).containsEntry("value", "in-b");
    assertThat(client.secrets().inNamespace("a").withName("same").get()).isNotNull();
    assertThat(client.secrets().inNamespace("b").withName("same").get()).isNull();
    // a second create of a name taken in that namespace is refused, in another namespace it is not
    assertThatThrownBy(() -> client.resource(configMap("a", "same", "again")).create())
        .isInstanceOf(KubernetesClientException.class).extracting(e -> ((KubernetesClientException) e).getCode()).isEqualTo(409);
  }

  @Test
  void anUpdateChangingLabelsIsFoundUnderItsNewStateAndADeleteRemovesOnlyThatObject() {
    client.resource(configMap("a", "changing", "1")).create();
    client.resource(configMap("b", "changing", "1")).create();
    ConfigMap current = client.configMaps().inNamespace("a").withName("changing").get();
    current.getMetadata().getLabels().put("v", "2");
    current.getData().put("value", "2");
    client.resource(current).update();

    assertThat(client.configMaps().inNamespace("a").withName("changing").get().getMetadata().getLabels()).containsEntry("v", "2");
    assertThat(client.configMaps().inNamespace("a").withLabel("v", "2").list().getItems()).extracting(c -> c.getMetadata().getName())
        .containsExactly("changing");

    client.configMaps().inNamespace("a").withName("changing").delete();
    assertThat(client.configMaps().inNamespace("a").withName("changing").get()).isNull();
    assertThat(client.configMaps().inNamespace("b").withName("changing").get().getData()).containsEntry("value", "1");
    // the name is free again
    client.resource(configMap("a", "changing", "3")).create();
    assertThat(client.configMaps().inNamespace("a").withName("changing").get().getData()).containsEntry("value", "3");
  }
}
