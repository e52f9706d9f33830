package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AuthSpec;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The token Secret of {@code spec.auth.generate}: created once when missing, with a random token,
 * and never read, changed or deleted afterwards (the operator may only create Secrets). It has no
 * owner reference: deleting the AIService keeps it, so a re-created app keeps its token. A create
 * is tried once per Secret and process; when the pod later cannot find it (deleted by hand), the
 * reconciler forgets it and creates it again.
 */
public final class GeneratedSecrets {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final KubernetesClient client;
  private final Set<String> ensured = ConcurrentHashMap.newKeySet();

  public GeneratedSecrets(KubernetesClient client) {
    this.client = client;
  }

  /** Creates the AIService's token Secret if it asks for one and this process has not made sure of it yet. */
  public void ensure(AIService ai) {
    AuthSpec auth = ai.getSpec().auth;
    if (auth == null || !Boolean.TRUE.equals(auth.generate)) {
      return;
    }
    String namespace = ai.getMetadata().getNamespace();
    if (!ensured.add(namespace + "/" + auth.secretName)) {
      return;
    }
    byte[] token = new byte[32];
    RANDOM.nextBytes(token);
    Secret secret = new SecretBuilder().withNewMetadata().withName(auth.secretName).withNamespace(namespace)
          .withLabels(Map.of(Labels.MANAGED_BY, Labels.OPERATOR, Labels.INSTANCE, ai.getMetadata().getName()))
          .withAnnotations(Map.of("ai.dhoch3.de/generated", "the token of spec.auth.generate; the operator never changes or deletes it"))
        .endMetadata()
        .withType("Opaque")
        .withData(Map.of(auth.key != null ? auth.key : "token", Base64.getEncoder().encodeToString(
            Base64.getUrlEncoder().withoutPadding().encodeToString(token).getBytes(java.nio.charset.StandardCharsets.US_ASCII))))
        .build();
    try {
      client.resource(secret).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        ensured.remove(namespace + "/" + auth.secretName);
        throw e; // retried with the reconcile
      }
      // it exists: the user's own, or ours from before; never overwritten
    }
  }

  /** The pod says a Secret is missing: try to create it again on the next reconcile. */
  public void forget(AIService ai) {
    if (ai.getSpec().auth != null) {
      ensured.remove(ai.getMetadata().getNamespace() + "/" + ai.getSpec().auth.secretName);
    }
  }
}
