package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.ExposeSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import java.util.Map;
import java.util.TreeMap;

/** The optional Ingress; host defaults to {@code <name>.<domain>} like the studio's Traefik subdomains. */
final class IngressFactory {
  static final String CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";
  static final String ISSUER_ANNOTATION = "cert-manager.io/issuer";

  private IngressFactory() {}

  static Ingress ingress(AIService ai, Map<String, String> labels, OperatorConfig config, Service service) {
    ExposeSpec.IngressExpose spec = ai.getSpec().expose != null ? ai.getSpec().expose.ingress : null;
    if (spec == null) {
      return null;
    }
    String name = ai.getMetadata().getName();
    String host = spec.host;
    if (host == null || host.isBlank()) {
      if (config.ingress.domain == null || config.ingress.domain.isBlank()) {
        throw new InvalidSpecException("spec.expose.ingress.host",
            "no host given and the operator has no ingress domain configured; set spec.expose.ingress.host, or ingress.domain in the operator configuration");
      }
      host = name + "." + config.ingress.domain;
    }
    // blank means unset: an empty ingressClassName or issuer annotation is refused (API server, cert-manager)
    String className = blank(spec.className) ? config.ingress.className : spec.className;
    Map<String, String> annotations = new TreeMap<>(spec.annotations != null ? spec.annotations : Map.of());
    String tlsSecret = null;
    if (spec.tls != null) {
      if (!blank(spec.tls.secretName)) {
        tlsSecret = spec.tls.secretName;
      } else {
        String issuer = !blank(spec.tls.issuer) ? spec.tls.issuer : config.ingress.clusterIssuer;
        if (issuer == null) {
          throw new InvalidSpecException("spec.expose.ingress.tls",
              "TLS asked for without a certificate source; set tls.secretName (existing Secret) or tls.issuer (cert-manager), or ingress.clusterIssuer in the operator configuration");
        }
        boolean cluster = blank(spec.tls.issuer) || !Boolean.FALSE.equals(spec.tls.clusterIssuer);
        annotations.put(cluster ? CLUSTER_ISSUER_ANNOTATION : ISSUER_ANNOTATION, issuer);
        tlsSecret = name + "-tls";
      }
    }
    IngressBuilder builder = new IngressBuilder()
        .withNewMetadata().withName(name).withNamespace(ai.getMetadata().getNamespace())
          .withLabels(labels).withAnnotations(annotations).endMetadata()
        .withNewSpec()
          .withIngressClassName(className)
          .addNewRule().withHost(host)
            .withNewHttp().addNewPath().withPath(spec.path != null ? spec.path : "/").withPathType("Prefix")
              .withNewBackend().withNewService().withName(service.getMetadata().getName())
                .withNewPort().withName(WorkloadBuilder.PORT_NAME).endPort().endService().endBackend()
            .endPath().endHttp()
          .endRule()
        .endSpec();
    if (tlsSecret != null) {
      builder.editSpec().addNewTl().withHosts(host).withSecretName(tlsSecret).endTl().endSpec();
    }
    return builder.build();
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  static String url(Ingress ingress) {
    boolean tls = ingress.getSpec().getTls() != null && !ingress.getSpec().getTls().isEmpty();
    var rule = ingress.getSpec().getRules().get(0);
    String path = rule.getHttp().getPaths().get(0).getPath();
    return (tls ? "https://" : "http://") + rule.getHost() + (path.equals("/") ? "/" : path);
  }
}
