package de.dhoch3.aiservices.reconcile.dependents;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import java.util.function.Function;

/** Conditions for the optional dependents: wanted when the desired workload has the object. */
public abstract class Wanted implements Condition<HasMetadata, AIService> {
  private final Function<Workload, Object> part;

  protected Wanted(Function<Workload, Object> part) {
    this.part = part;
  }

  @Override
  public boolean isMet(DependentResource<HasMetadata, AIService> dependent, AIService primary, Context<AIService> context) {
    return DesiredWorkload.find(context).map(part).isPresent();
  }

  public static class ConfigMapWanted extends Wanted {
    public ConfigMapWanted() {
      super(Workload::configMap);
    }
  }

  public static class IngressWanted extends Wanted {
    public IngressWanted() {
      super(Workload::ingress);
    }
  }
}
