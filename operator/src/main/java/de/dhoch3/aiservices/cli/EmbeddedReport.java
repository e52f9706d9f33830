package de.dhoch3.aiservices.cli;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.ModelPath;
import de.dhoch3.aiservices.reconcile.StatusCalculator;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The embedded run's view: waits for the AIServices to settle, then prints them and what the operator made for them. */
final class EmbeddedReport {
  private EmbeddedReport() {}

  static void awaitConverged(KubernetesClient client, List<AIService> applied, Instant deadline) throws InterruptedException {
    while (Instant.now().isBefore(deadline)) {
      if (applied.stream().map(ai -> fresh(client, ai)).allMatch(EmbeddedReport::settled)) {
        return;
      }
      Thread.sleep(200);
    }
  }

  /** Settled: the status describes the current generation and is Ready or Stalled. */
  static boolean settled(AIService ai) {
    if (ai == null || ai.getStatus() == null || !Objects.equals(ai.getStatus().observedGeneration, ai.getMetadata().getGeneration())) {
      return false;
    }
    return is(ai, StatusCalculator.READY) || is(ai, StatusCalculator.STALLED);
  }

  private static boolean is(AIService ai, String type) {
    return StatusCalculator.find(ai.getStatus(), type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  private static AIService fresh(KubernetesClient client, AIService ai) {
    return client.resources(AIService.class).inNamespace(ai.getMetadata().getNamespace()).withName(ai.getMetadata().getName()).get();
  }

  static void print(PrintWriter out, KubernetesClient client, List<AIService> applied) {
    String row = "%-10s %-14s %-11s %-6s %-14s %s%n";
    out.println();
    out.printf(row, "NAMESPACE", "NAME", "APP", "READY", "REASON", "URL");
    List<AIService> current = new ArrayList<>();
    for (AIService ai : applied) {
      AIService now = fresh(client, ai);
      current.add(now);
      Condition ready = StatusCalculator.find(now.getStatus(), StatusCalculator.READY).orElse(null);
      out.printf(row, now.getMetadata().getNamespace(), now.getMetadata().getName(), now.getSpec().app.value(),
          ready == null ? "-" : ready.getStatus(), ready == null ? "-" : ready.getReason(),
          now.getStatus() == null || now.getStatus().url == null ? "-" : now.getStatus().url);
    }
    for (AIService ai : current) {
      out.println();
      out.println("aiservice/" + ai.getMetadata().getName() + " (" + ai.getMetadata().getNamespace() + "):");
      StatusCalculator.find(ai.getStatus(), StatusCalculator.STALLED).filter(c -> "True".equals(c.getStatus()))
          .ifPresent(c -> out.println("  STALLED: " + c.getMessage()));
      for (HasMetadata owned : owned(client, ai)) {
        out.println("  created " + owned.getKind() + "/" + owned.getMetadata().getName());
      }
      if (ai.getStatus() != null && ai.getStatus().modelPaths != null) {
        out.println("  model layout:");
        for (ModelPath path : ai.getStatus().modelPaths) {
          out.printf("    %-18s %-50s %s%n", path.category, path.path, path.via);
        }
      }
    }
    out.flush();
  }

  private static List<HasMetadata> owned(KubernetesClient client, AIService ai) {
    String ns = ai.getMetadata().getNamespace();
    String name = ai.getMetadata().getName();
    List<HasMetadata> result = new ArrayList<>();
    result.addAll(client.configMaps().inNamespace(ns).withLabel(Labels.INSTANCE, name).list().getItems());
    result.addAll(client.apps().deployments().inNamespace(ns).withLabel(Labels.INSTANCE, name).list().getItems());
    result.addAll(client.services().inNamespace(ns).withLabel(Labels.INSTANCE, name).list().getItems());
    result.addAll(client.network().v1().ingresses().inNamespace(ns).withLabel(Labels.INSTANCE, name).list().getItems());
    result.addAll(client.resources(io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate.class).inNamespace(ns).withLabel(Labels.INSTANCE, name).list().getItems());
    return result;
  }
}
