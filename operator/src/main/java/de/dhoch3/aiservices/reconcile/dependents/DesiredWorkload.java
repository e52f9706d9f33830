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

  private static final String MATCHED = DesiredWorkload.class.getName() + ".matched";

  /** Records that this live Deployment was found to be the workload's in this reconcile. */
  static void matched(Context<AIService> context, io.fabric8.kubernetes.api.model.apps.Deployment actual) {
    context.managedWorkflowAndDependentResourceContext().put(MATCHED, version(actual));
  }

  /** Whether exactly this Deployment (uid and resourceVersion) was found to be the workload's in this reconcile. */
  public static boolean foundCurrent(Context<AIService> context, io.fabric8.kubernetes.api.model.apps.Deployment actual) {
    return sameVersion(context.managedWorkflowAndDependentResourceContext().get(MATCHED, String.class), actual);
  }

  /** One version of one object: any write to it (or a new object of the same name) gives another. */
  static String version(io.fabric8.kubernetes.api.model.HasMetadata object) {
    return object.getMetadata().getUid() + "/" + object.getMetadata().getResourceVersion();
  }

  static boolean sameVersion(java.util.Optional<String> found, io.fabric8.kubernetes.api.model.HasMetadata actual) {
    return actual != null && found.map(version -> version.equals(version(actual))).orElse(false);
  }

  private static final String WROTE = DesiredWorkload.class.getName() + ".wrote";

  /** Records that this reconcile created or updated one of the AIService's objects. */
  static void markWritten(Context<AIService> context) {
    context.managedWorkflowAndDependentResourceContext().put(WROTE, Boolean.TRUE);
  }

  /** Whether this reconcile created or updated one of the AIService's objects (so their changes will bring another). */
  public static boolean anyWritten(Context<AIService> context) {
    return context.managedWorkflowAndDependentResourceContext().get(WROTE, Boolean.class).orElse(false);
  }

  public static Workload of(Context<AIService> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(KEY, Workload.class);
  }
}
