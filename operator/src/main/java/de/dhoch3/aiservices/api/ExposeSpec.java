package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/** How the app is reached from outside its pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExposeSpec {

  @JsonPropertyDescription("The Service in front of the app (always created).")
  public ServiceExpose service;

  @JsonPropertyDescription("An Ingress for the app; present means wanted.")
  public IngressExpose ingress;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ServiceExpose {
    public enum Type {
      @JsonProperty("ClusterIP") CLUSTER_IP,
      @JsonProperty("NodePort") NODE_PORT,
      @JsonProperty("LoadBalancer") LOAD_BALANCER
    }

    @JsonPropertyDescription("ClusterIP (default), NodePort or LoadBalancer.")
    public Type type;

    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("Service port (default: the app's port).")
    public Integer port;

    @Min(30000)
    @Max(32767)
    @JsonPropertyDescription("Fixed node port for type NodePort.")
    public Integer nodePort;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "!has(self.tls) || !(has(self.tls.secretName) && has(self.tls.issuer)) ",
      message = "tls: set secretName (an existing certificate) or issuer (cert-manager makes one), not both")
  public static class IngressExpose {
    @Pattern("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    @JsonPropertyDescription("Host name. Omitted: <AIService name>.<ingress domain of the operator configuration>.")
    @Size(max = 253)
    public String host;

    @JsonPropertyDescription("IngressClass (default from the operator configuration, e.g. traefik).")
    @Size(max = 253)
    public String className;

    @Pattern("^/.*")
    @JsonPropertyDescription("Path prefix (default /).")
    @Size(max = 1024)
    public String path;

    @JsonPropertyDescription("TLS for the host.")
    public Tls tls;

    @JsonPropertyDescription("Extra annotations for the Ingress (e.g. Traefik middlewares).")
    @Size(max = 64)
    public Map<String, @Size(max = 4096) String> annotations;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Tls {
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("Existing Secret of type kubernetes.io/tls holding the certificate.")
    @Size(max = 253)
    public String secretName;

    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("cert-manager issuer that creates the certificate (into Secret <name>-tls).")
    @Size(max = 253)
    public String issuer;

    @JsonPropertyDescription("true when issuer names a ClusterIssuer (default), false for a namespaced Issuer.")
    public Boolean clusterIssuer;
  }
}
