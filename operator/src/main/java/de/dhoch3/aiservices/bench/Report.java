package de.dhoch3.aiservices.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The benchmark's figures and how they are printed; the last line is the summary CI and people grep for. */
final class Report {
  long convergedMs;
  long readyMs;
  long baselineMs;
  long fairBaselineMs;
  long operatorCpuMs;
  /** Per round: operator all Ready ms, fair baseline ms, the CPU ms of each, and of the API server's threads in each. */
  List<long[]> rounds = new ArrayList<>();
  long fairBaselineCpuMs;
  long operatorServerCpuMs;
  long fairBaselineServerCpuMs;
  Map<String, Long> convergenceRequests = Map.of();
  Map<String, Long> fairBaselineRequests = Map.of();
  Map<String, Long> idleRequests = Map.of();
  long idleReconciles;
  long convergenceReconciles;
  List<Long> changeLatenciesMicros = List.of();
  /** Per change: edit answered, edit -> operator's event, event -> reconcile starts, reconcile -> Deployment update sent, update -> watch sees it (µs from the steps before). */
  List<long[]> changeSteps = new ArrayList<>();
  java.util.Set<String> convergenceGetPaths = java.util.Set.of();
  List<Long> roundTripsMicros = List.of();
  /** The server's round trips for the two writes of a change: the user's AIService update, an update of a Deployment like the operator's. */
  List<Long> aiUpdateRoundTripsMicros = List.of();
  List<Long> deploymentUpdateRoundTripsMicros = List.of();
  long heapWithNKiB;
  long heapWithUnrelatedKiB;
  long startJvmToFirstReconcileMs;
  long startProcessToFirstReconcileMs;
  long startWithCdsMs;
  long childReconciledMs;
  String cdsArchive = "";

  void print(int n) {
    System.out.println();
    String row = "%-62s %s%n";
    System.out.printf(row, "FIGURE", "VALUE");
    System.out.printf(row, "convergence: " + n + " AIServices created -> all reconciled", convergedMs + " ms");
    System.out.printf(row, "convergence: ... -> all Ready (simulated Deployment controller)", readyMs + " ms");
    System.out.printf(row, "baseline: plain client, same objects + one status each", baselineMs + " ms");
    System.out.printf(row, "ratio (objects + one status): reconciled / that baseline", decimal(ratio(convergedMs, baselineMs)));
    System.out.printf(row, "fair baseline: plain client, the operator's necessary writes", fairBaselineMs + " ms (objects, status rolling out,"
        + " wait for available, status ready, Event)");
    System.out.printf(row, "  its requests", perAIService(fairBaselineRequests, n) + " (the AIService create included)");
    if (rounds.size() > 1) {
      for (int i = 0; i < rounds.size(); i++) {
        long[] r = rounds.get(i);
        System.out.printf(row, "  round " + (i + 1) + ": all Ready / fair baseline", r[0] + " ms / " + r[1] + " ms = " + decimal(ratio(r[0], r[1]))
            + " (CPU " + decimal((double) r[2] / n) + " / " + decimal((double) r[3] / n) + " ms per AIService"
            + (r.length > 5 ? "; the server's " + r[4] + " / " + r[5] + " ms" : "") + ")");
      }
      if (rounds.stream().allMatch(r -> r.length > 5 && r[4] > 0 && r[5] > 0)) {
        System.out.printf(row, "  CPU per server CPU, operator run / baseline (median)", decimal(cpuPerServerCpuRatio())
            + " (both runs send the server the same requests: how much more CPU the operator's run took, the machine's speed left out)");
      }
    }
    System.out.printf(row, "fair ratio: all Ready / fair baseline" + (rounds.size() > 1 ? " (median of the rounds)" : ""), decimal(fairRatio()));
    System.out.printf(row, "CPU of the whole process until all Ready: operator run", operatorCpuMs + " ms (" + decimal((double) operatorCpuMs / n) + " ms per AIService)");
    System.out.printf(row, "CPU ...: fair baseline run", fairBaselineCpuMs + " ms (" + decimal((double) fairBaselineCpuMs / n) + " ms per AIService)");
    System.out.printf(row, "reconciles during convergence", convergenceReconciles + " (" + decimal((double) convergenceReconciles / n) + " per AIService)");
    long total = total(convergenceRequests);
    System.out.printf(row, "requests during convergence (all verbs)", total + " (" + decimal((double) total / n) + " per AIService)");
    convergenceRequests.forEach((verb, count) ->
        System.out.printf(row, "  " + verb, count + " (" + decimal((double) count / n) + " per AIService)"));
    if (!convergenceGetPaths.isEmpty()) {
      System.out.printf(row, "  the gets", convergenceGetPaths);
    }
    long idleWrites = RequestCounter.writes(idleRequests);
    System.out.printf(row, "idle: reconciles after a restart, nothing changed", idleReconciles + (idleReconciles >= n ? " (every AIService again: OK)" : " (less than N: not all covered)"));
    System.out.printf(row, "idle: requests by verb", idleRequests.isEmpty() ? "none" : idleRequests.toString());
    System.out.printf(row, "idle: writes", idleWrites + (idleWrites == 0 ? " (OK)" : " (PROBLEM: the operator writes without a change)"));
    if (!roundTripsMicros.isEmpty()) {
      System.out.printf(row, "API server round trip (create -> watch sees it): median", millis(median(roundTripsMicros)) + " (" + roundTripsMicros.size() + " samples)");
      System.out.printf(row, "API server round trip: p99", millis(p99(roundTripsMicros)));
    }
    if (!aiUpdateRoundTripsMicros.isEmpty()) {
      System.out.printf(row, "round trip of a change's writes: AIService update, median", millis(median(aiUpdateRoundTripsMicros))
          + ", p99 " + millis(p99(aiUpdateRoundTripsMicros)));
      System.out.printf(row, "  ... Deployment update, median", millis(median(deploymentUpdateRoundTripsMicros))
          + ", p99 " + millis(p99(deploymentUpdateRoundTripsMicros)));
    }
    if (!changeLatenciesMicros.isEmpty()) {
      System.out.printf(row, "single change -> Deployment updated: median", millis(median(changeLatenciesMicros)) + " (" + changeLatenciesMicros.size()
          + " changes; " + decimal(latencyRoundTrips()) + " x the round trip, " + decimal(latencyRoundTrips() / 2)
          + " x the two round trips of its writes; " + decimal(ratio(median(changeLatenciesMicros), median(roundTripsMicros))) + " x a ConfigMap create's)");
      System.out.printf(row, "single change -> Deployment updated: p99", millis(p99(changeLatenciesMicros)) + " ("
          + decimal(p99RoundTrips()) + " x the round trip's p99; " + decimal(ratio(p99(changeLatenciesMicros), p99(roundTripsMicros)))
          + " x a ConfigMap create's)");
    }
    if (!changeSteps.isEmpty()) {
      System.out.printf(row, "single change, where the time goes (median / p99, " + changeSteps.size() + " changes):", "");
      System.out.printf(row, "  user's update answered", step(0));
      System.out.printf(row, "  update sent -> operator's informer has the event", step(1));
      System.out.printf(row, "  event -> reconcile starts (JOSDK queue, executor)", step(2));
      System.out.printf(row, "  reconcile -> Deployment update sent (build, check, diff)", step(3));
      System.out.printf(row, "  update sent -> watch sees the Deployment", step(4));
      changeSteps.stream().sorted((a, b) -> Long.compare(b[1] + b[2] + b[3] + b[4], a[1] + a[2] + a[3] + a[4])).limit(3)
          .forEach(steps -> System.out.printf(row, "  one of the slowest: the same steps", millis(steps[0]) + ", " + millis(steps[1]) + ", "
              + millis(steps[2]) + ", " + millis(steps[3]) + ", " + millis(steps[4])));
    }
    System.out.printf(row, "operator as its own process: " + n + " AIServices created -> all reconciled", childReconciledMs + " ms");
    System.out.printf(row, "memory: operator heap after GC with " + n + " AIServices", heapWithNKiB / 1024 + " MiB");
    System.out.printf(row, "memory: ... plus unrelated Deployments and ConfigMaps", heapWithUnrelatedKiB / 1024 + " MiB");
    System.out.printf(row, "start: operator process start -> first reconcile (median)", startProcessToFirstReconcileMs + " ms (plain java -jar)");
    System.out.printf(row, "start: ... as shipped (median)", startWithCdsMs + " ms (" + cdsArchive + ", the chart's JVM options)");
    System.out.printf(row, "start: benchmark JVM start -> first reconcile (in-process)", startJvmToFirstReconcileMs + " ms");
    System.out.println(summary(n));
  }

  /** The last line, always in this form: R, F, L with two decimals, G and W integers. */
  String summary(int n) {
    return String.format(Locale.ROOT, "requests/AIService %.2f, gets %d, idle writes %d, fair ratio %.2f, latency x-roundtrip %.2f",
        (double) total(convergenceRequests) / n, convergenceRequests.getOrDefault("get", 0L), RequestCounter.writes(idleRequests),
        fairRatio(), latencyRoundTrips());
  }

  /**
   * Per round, the process' CPU divided by the API server's CPU, operator run against baseline;
   * the median of the rounds. The server does the same work in both runs, so its CPU measures how
   * fast the machine was during each: on a shared machine it varied by 40 % between runs.
   */
  double cpuPerServerCpuRatio() {
    return middle(rounds.stream().map(r -> ((double) r[2] / r[4]) / ((double) r[3] / r[5])).toList());
  }

  /** The median of the rounds' ratios (one round: its ratio; an even number: the mean of the middle two, one of each order). */
  double fairRatio() {
    if (rounds.isEmpty()) {
      return ratio(readyMs, fairBaselineMs);
    }
    return middle(rounds.stream().map(r -> ratio(r[0], r[1])).toList());
  }

  /** The median (an even number: the mean of the middle two, one of each order). */
  private static double middle(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }

  /**
   * Median single-change latency over the median round trip: the mean of the medians of the
   * change's two writes (AIService update, Deployment update) when measured, else a ConfigMap create's.
   */
  double latencyRoundTrips() {
    if (changeLatenciesMicros.isEmpty()) {
      return 0.0;
    }
    if (!aiUpdateRoundTripsMicros.isEmpty() && !deploymentUpdateRoundTripsMicros.isEmpty()) {
      return (double) median(changeLatenciesMicros) * 2 / (median(aiUpdateRoundTripsMicros) + median(deploymentUpdateRoundTripsMicros));
    }
    return roundTripsMicros.isEmpty() ? 0.0 : ratio(median(changeLatenciesMicros), median(roundTripsMicros));
  }

  /** The same at the 99th percentile. */
  double p99RoundTrips() {
    if (!aiUpdateRoundTripsMicros.isEmpty() && !deploymentUpdateRoundTripsMicros.isEmpty()) {
      return (double) p99(changeLatenciesMicros) * 2 / (p99(aiUpdateRoundTripsMicros) + p99(deploymentUpdateRoundTripsMicros));
    }
    return roundTripsMicros.isEmpty() ? 0.0 : ratio(p99(changeLatenciesMicros), p99(roundTripsMicros));
  }

  private String step(int step) {
    List<Long> values = changeSteps.stream().map(steps -> steps[step]).toList();
    return millis(median(values)) + " / " + millis(p99(values));
  }

  static double ratio(long a, long b) {
    return b == 0 ? 0.0 : (double) a / b;
  }

  static long median(List<Long> values) {
    return sorted(values).get(values.size() / 2);
  }

  /** The smallest value at least 99 % of the samples do not exceed. */
  static long p99(List<Long> values) {
    List<Long> sorted = sorted(values);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
  }

  private static List<Long> sorted(List<Long> values) {
    List<Long> copy = new ArrayList<>(values);
    Collections.sort(copy);
    return copy;
  }

  private static long total(Map<String, Long> requests) {
    return requests.values().stream().mapToLong(Long::longValue).sum();
  }

  private static String perAIService(Map<String, Long> requests, int n) {
    return decimal((double) total(requests) / n) + " per AIService " + requests;
  }

  private static String millis(long micros) {
    return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
  }

  private static String decimal(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
