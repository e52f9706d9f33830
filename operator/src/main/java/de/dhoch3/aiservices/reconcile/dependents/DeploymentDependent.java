package de.dhoch3.aiservices.reconcile.dependents;

import de.dhoch3.aiservices.workload.Labels;
import de.dhoch3.aiservices.workload.Names;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The Deployment of an AIService. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_SELECTOR, itemStore = WithoutManagedFields.class))
public class DeploymentDependent extends OwnedDependent<Deployment> {
  public DeploymentDependent() {
    super(Deployment.class, Workload::deployment, Names::workload);
  }

  /** The AIService's Deployment as the dependents see it, for the reconciler's status (a direct cache read, see OwnedDependent). */
  @SuppressWarnings("unchecked")
  public static java.util.Optional<Deployment> of(io.javaoperatorsdk.operator.api.reconciler.Context<de.dhoch3.aiservices.api.AIService> context,
      de.dhoch3.aiservices.api.AIService ai) {
    var source = (io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource<Deployment, de.dhoch3.aiservices.api.AIService>)
        context.eventSourceRetriever().getEventSourceFor(Deployment.class);
    return own(java.util.Optional.of(source),
        new io.javaoperatorsdk.operator.processing.event.ResourceID(Names.workload(ai), ai.getMetadata().getNamespace()), ai);
  }
}
