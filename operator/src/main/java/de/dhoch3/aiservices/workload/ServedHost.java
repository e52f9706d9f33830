package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.ExposeSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import java.util.Locale;
import java.util.Optional;

/**
 * The host and path an AIService's Ingress serves (as {@link IngressFactory} builds it), for the
 * rule that one host and path belong to one AIService in the whole cluster. Pure.
 */
public record ServedHost(String host, String path) {

  /** Empty without an Ingress, or when the spec is too broken to say (the builder reports that). */
  public static Optional<ServedHost> of(AIService ai, OperatorConfig config) {
    ExposeSpec.IngressExpose ingress = ai.getSpec() == null || ai.getSpec().expose == null ? null : ai.getSpec().expose.ingress;
    if (ingress == null) {
      return Optional.empty();
    }
    String host = ingress.host;
    if (host == null || host.isBlank()) {
      if (config.ingress.domain == null || config.ingress.domain.isBlank()) {
        return Optional.empty();
      }
      host = ai.getMetadata().getName() + "." + config.ingress.domain;
    }
    // DNS names compare without case; a trailing dot names the same host
    String normalised = host.toLowerCase(Locale.ROOT);
    if (normalised.endsWith(".")) {
      normalised = normalised.substring(0, normalised.length() - 1);
    }
    return Optional.of(new ServedHost(normalised, ingress.path != null ? ingress.path : "/"));
  }

  /** The wildcard host that would also serve this one ({@code *.b.c} for {@code a.b.c}; an Ingress wildcard covers one label), or null. */
  public String coveringWildcard() {
    if (host.startsWith("*.")) {
      return null;
    }
    int dot = host.indexOf('.');
    return dot < 0 ? null : "*" + host.substring(dot);
  }

  /**
   * Whether two Prefix paths share requests: one is the other or lies below it, element by element
   * (Kubernetes' Prefix matching: /app matches /app/x but not /apple).
   */
  public boolean pathsOverlap(ServedHost other) {
    String a = trimmed(path);
    String b = trimmed(other.path);
    return a.isEmpty() || b.isEmpty() || a.equals(b) || a.startsWith(b + "/") || b.startsWith(a + "/");
  }

  private static String trimmed(String path) {
    String p = path;
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
