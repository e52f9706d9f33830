package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.ExposeSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.Map;

/** The Service in front of the app. */
final class ServiceFactory {
  private ServiceFactory() {}

  static Service service(AIService ai, Map<String, String> labels, int containerPort) {
    ExposeSpec.ServiceExpose expose = ai.getSpec().expose != null ? ai.getSpec().expose.service : null;
    String type = "ClusterIP";
    Integer port = containerPort;
    Integer nodePort = null;
    if (expose != null) {
      if (expose.type != null) {
        type = switch (expose.type) {
          case CLUSTER_IP -> "ClusterIP";
          case NODE_PORT -> "NodePort";
          case LOAD_BALANCER -> "LoadBalancer";
        };
      }
      if (expose.port != null) {
        port = expose.port;
      }
      nodePort = expose.nodePort;
    }
    if (nodePort != null && "ClusterIP".equals(type)) {
      throw new de.dhoch3.aiservices.validation.InvalidSpecException("spec.expose.service.nodePort",
          "a node port needs type NodePort or LoadBalancer; set spec.expose.service.type: NodePort or remove nodePort");
    }
    return new ServiceBuilder()
        .withNewMetadata().withName(ai.getMetadata().getName()).withNamespace(ai.getMetadata().getNamespace())
          .withLabels(labels).endMetadata()
        .withNewSpec()
          .withType(type)
          .withSelector(Labels.selector(ai))
          .addNewPort().withName(WorkloadBuilder.PORT_NAME).withProtocol("TCP").withPort(port)
            .withTargetPort(new IntOrString(WorkloadBuilder.PORT_NAME)).withNodePort(nodePort).endPort()
        .endSpec()
        .build();
  }
}
