package de.dhoch3.aiservices.embedded;

import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SIMULATION for the in-process API server, where nothing runs pods: it plays the Deployment
 * controller and kubelet by marking every operator-owned Deployment as fully rolled out and
 * available. Never used against a real cluster.
 */
public final class SimulatedDeploymentController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedDeploymentController.class);
  /** Looks at every Deployment again this often: a status write that failed is made again. */
  static final long RESYNC_MILLIS = 5000;
  private final KubernetesClient client;
  private SharedIndexInformer<Deployment> informer;

  public SimulatedDeploymentController(KubernetesClient client) {
    this.client = client;
  }

  public SimulatedDeploymentController start() {
    informer = client.apps().deployments().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.OPERATOR)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Deployment deployment) {
            markAvailable(deployment);
          }

          @Override
          public void onUpdate(Deployment old, Deployment deployment) {
            markAvailable(deployment);
          }

          @Override
          public void onDelete(Deployment deployment, boolean unknownFinalStateUnknown) {}
        }, RESYNC_MILLIS);
    return this;
  }

  /** Deployment status as the real controller reports it once all pods are ready. */
  static boolean needsUpdate(Deployment d) {
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    var status = d.getStatus();
    return status == null
        || !Objects.equals(status.getObservedGeneration(), d.getMetadata().getGeneration())
        || !Objects.equals(status.getAvailableReplicas() == null ? 0 : status.getAvailableReplicas(), replicas)
        || !Objects.equals(status.getUpdatedReplicas() == null ? 0 : status.getUpdatedReplicas(), replicas);
  }

  private void markAvailable(Deployment deployment) {
    if (!needsUpdate(deployment)) {
      return;
    }
    try {
      client.apps().deployments().inNamespace(deployment.getMetadata().getNamespace())
          .withName(deployment.getMetadata().getName())
          .editStatus(current -> {
            int replicas = current.getSpec().getReplicas() == null ? 1 : current.getSpec().getReplicas();
            current.setStatus(new DeploymentStatusBuilder()
                .withObservedGeneration(current.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(replicas)
                .withReadyReplicas(replicas).withAvailableReplicas(replicas)
                .build());
            return current;
          });
    } catch (KubernetesClientException e) {
      LOG.debug("simulated rollout of {} skipped: {}", deployment.getMetadata().getName(), e.getMessage());
    }
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
