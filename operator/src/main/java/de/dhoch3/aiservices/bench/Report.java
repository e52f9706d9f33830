package de.dhoch3.aiservices.bench;

import java.util.List;
import java.util.Map;

/** The benchmark's figures and how they are printed. */
final class Report {
  long convergedMs;
  long readyMs;
  long baselineMs;
  Map<String, Long> convergenceRequests = Map.of();
  Map<String, Long> idleRequests = Map.of();
  long idleReconciles;
  List<Long> changeLatenciesMs = List.of();
  long heapWithNKiB;
  long heapWithUnrelatedKiB;
  long startJvmToFirstReconcileMs;
  long startProcessToFirstReconcileMs;

  void print(int n) {
    System.out.println();
    String row = "%-58s %s%n";
    System.out.printf(row, "FIGURE", "VALUE");
    System.out.printf(row, "convergence: " + n + " AIServices created -> all reconciled", convergedMs + " ms");
    System.out.printf(row, "convergence: ... -> all Ready (simulated Deployment controller)", readyMs + " ms");
    System.out.printf(row, "limit: plain client writes the same objects and statuses", baselineMs + " ms");
    System.out.printf(row, "ratio operator / plain client", String.format("%.2f", baselineMs == 0 ? 0.0 : (double) convergedMs / baselineMs));
    long total = convergenceRequests.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf(row, "requests during convergence (all verbs)", total + " (" + String.format("%.2f", (double) total / n) + " per AIService)");
    convergenceRequests.forEach((verb, count) ->
        System.out.printf(row, "  " + verb, count + " (" + String.format("%.2f", (double) count / n) + " per AIService)"));
    long idleWrites = RequestCounter.writes(idleRequests);
    System.out.printf(row, "idle: reconciles during the idle period (resync)", idleReconciles + (idleReconciles >= n ? " (a full resync: OK)" : " (less than N: resync not covered)"));
    System.out.printf(row, "idle: requests by verb", idleRequests.isEmpty() ? "none" : idleRequests.toString());
    System.out.printf(row, "idle: writes", idleWrites + (idleWrites == 0 ? " (OK)" : " (PROBLEM: the operator writes without a change)"));
    List<Long> sorted = Benchmark.sorted(changeLatenciesMs);
    if (!sorted.isEmpty()) {
      System.out.printf(row, "single change -> Deployment updated: median", sorted.get(sorted.size() / 2) + " ms (" + sorted.size() + " changes)");
      System.out.printf(row, "single change -> Deployment updated: p99", sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1)) + " ms");
    }
    System.out.printf(row, "memory: operator heap after GC with " + n + " AIServices", heapWithNKiB / 1024 + " MiB");
    System.out.printf(row, "memory: ... plus unrelated Deployments and ConfigMaps", heapWithUnrelatedKiB / 1024 + " MiB");
    System.out.printf(row, "start: operator process start -> first reconcile", startProcessToFirstReconcileMs + " ms");
    System.out.printf(row, "start: benchmark JVM start -> first reconcile (in-process)", startJvmToFirstReconcileMs + " ms");
  }
}
