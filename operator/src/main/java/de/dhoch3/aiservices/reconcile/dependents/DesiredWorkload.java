package de.dhoch3.aiservices.reconcile.dependents;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.workload.Workload;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** Hands the workload the reconciler built once per reconcile to the dependents. */
public final class DesiredWorkload {
  private static final String KEY = Workload.class.getName();

  private DesiredWorkload() {}

  public static void put(Context<AIService> context, Workload workload) {
    context.managedWorkflowAndDependentResourceContext().put(KEY, workload);
  }

  public static java.util.Optional<Workload> find(Context<AIService> context) {
    return context.managedWorkflowAndDependentResourceContext().get(KEY, Workload.class);
  }

  public static Workload of(Context<AIService> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(KEY, Workload.class);
  }
}
