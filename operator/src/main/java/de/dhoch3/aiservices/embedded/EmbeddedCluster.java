package de.dhoch3.aiservices.embedded;

import de.dhoch3.aiservices.api.AIService;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;

/**
 * An in-process Kubernetes API (fabric8's mock server in CRUD mode) with the AIService CRD
 * installed. It stores objects and serves watches, and like a real server fills in defaults and
 * refuses invalid objects ({@link RealisticDispatcher}); it runs no pods, no garbage collector and
 * no admission webhooks: see {@link SimulatedDeploymentController} for the one controller it pretends to have.
 */
public final class EmbeddedCluster implements AutoCloseable {
  public static final String CRD_RESOURCE = "META-INF/fabric8/" + AIService.CRD_NAME + "-v1.yml";
  public static final String MODELS_CRD_RESOURCE = "META-INF/fabric8/" + de.dhoch3.aiservices.api.AIModel.CRD_NAME + "-v1.yml";

  // the mock server logs every request at INFO through java.util.logging; keep the logger referenced so the level sticks
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;
  private final RealisticDispatcher dispatcher;
  private final KubernetesClient client;

  private EmbeddedCluster(KubernetesMockServer server, RealisticDispatcher dispatcher) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.client = server.createClient();
  }

  public static EmbeddedCluster start() {
    RealisticDispatcher dispatcher = new RealisticDispatcher();
    KubernetesMockServer server = new KubernetesMockServer(
        new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    EmbeddedCluster cluster = new EmbeddedCluster(server, dispatcher);
    cluster.installCrd();
    return cluster;
  }

  /** The server itself: faults to inject, writes to count. */
  public RealisticDispatcher server() {
    return dispatcher;
  }

  public KubernetesClient client() {
    return client;
  }

  /** A client of its own, e.g. for a benchmark's plain writer or a test's user, separate from the operator's. */
  public KubernetesClient newClient() {
    return server.createClient();
  }

  /** A kubeconfig for this server (plain HTTP on localhost, no credentials), for kubectl or curl beside the operator. */
  public String kubeconfig() {
    io.fabric8.kubernetes.api.model.Config config = new io.fabric8.kubernetes.api.model.ConfigBuilder()
        .addNewCluster().withName("aiservice-embedded").withNewCluster().withServer(client.getMasterUrl().toString()).endCluster().endCluster()
        .addNewUser().withName("aiservice-embedded").withNewUser().endUser().endUser()
        .addNewContext().withName("aiservice-embedded").withNewContext().withCluster("aiservice-embedded").withUser("aiservice-embedded")
          .withNamespace("default").endContext().endContext()
        .withCurrentContext("aiservice-embedded")
        .build();
    return Serialization.asYaml(config);
  }

  public void ensureNamespace(String namespace) {
    if (client.namespaces().withName(namespace).get() == null) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
    }
  }

  private void installCrd() {
    for (String resource : List.of(CRD_RESOURCE, MODELS_CRD_RESOURCE)) {
      try (InputStream in = EmbeddedCluster.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("CRD " + resource + " missing from the classpath; build with mvn package");
        }
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + resource, e);
      }
    }
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
