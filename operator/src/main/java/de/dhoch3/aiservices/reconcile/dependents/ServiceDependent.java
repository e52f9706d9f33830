package de.dhoch3.aiservices.reconcile.dependents;

import de.dhoch3.aiservices.workload.Labels;
import de.dhoch3.aiservices.workload.Names;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The Service of an AIService. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_SELECTOR, itemStore = WithoutManagedFields.class))
public class ServiceDependent extends OwnedDependent<Service> {
  public ServiceDependent() {
    super(Service.class, Workload::service, Names::workload);
  }
}
