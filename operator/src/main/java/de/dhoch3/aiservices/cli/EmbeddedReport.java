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
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Objects;

/** The embedded run's view: waits for the AIServices to settle, then prints them and what the operator made for them. */
final class EmbeddedReport {
  private EmbeddedReport() {}

  static void awaitConverged(KubernetesClient client, List<AIService> applied, Instant deadline) throws InterruptedException {
    awaitConverged(client, applied, deadline, () -> true);
  }

  /** As above, and true once all are settled; gives up early once {@code keepWaiting} says so (e.g. the operator ended). */
  static boolean awaitConverged(KubernetesClient client, List<AIService> applied, Instant deadline, java.util.function.BooleanSupplier keepWaiting)
      throws InterruptedException {
    while (Instant.now().isBefore(deadline) && keepWaiting.getAsBoolean()) {
      if (applied.stream().map(ai -> fresh(client, ai)).allMatch(EmbeddedReport::settled)) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
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
    List<AIService> current = applied.stream().map(ai -> fresh(client, ai)).toList();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAMESPACE", "NAME", "APP", "READY", "REASON", "URL"});
    for (AIService ai : current) {
      Condition ready = StatusCalculator.find(ai.getStatus(), StatusCalculator.READY).orElse(null);
      rows.add(new String[] {ai.getMetadata().getNamespace(), ai.getMetadata().getName(), ai.getSpec().app.value(),
          ready == null ? "-" : ready.getStatus(), ready == null ? "-" : ready.getReason(),
          ai.getStatus() == null || ai.getStatus().url == null ? "-" : ai.getStatus().url});
    }
    out.println();
    printTable(out, rows);

    out.println();
    out.println("Created (all owned by their AIService):");
    Set<String> layoutShown = new HashSet<>();
    for (AIService ai : current) {
      List<String> objects = owned(client, ai).stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
      out.println("  " + ai.getMetadata().getNamespace() + "/" + ai.getMetadata().getName() + ": "
          + (objects.isEmpty() ? "nothing" : String.join(", ", objects)));
      StatusCalculator.find(ai.getStatus(), StatusCalculator.STALLED).filter(c -> "True".equals(c.getStatus()))
          .ifPresent(c -> out.println("    STALLED: " + c.getMessage()));
    }
    for (AIService ai : current) {
      // the layout is the same for every AIService of an app with default settings: show it once per app
      if (ai.getStatus() == null || ai.getStatus().modelPaths == null || !layoutShown.add(ai.getSpec().app.value())) {
        continue;
      }
      out.println();
      out.println("Model layout of " + ai.getMetadata().getName() + " (status.modelPaths):");
      for (ModelPath path : ai.getStatus().modelPaths) {
        out.printf("  %-18s %-50s %s%n", path.category, path.path, path.via);
      }
    }
    out.flush();
  }

  private static void printTable(PrintWriter out, List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
      }
      out.println(line);
    }
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
