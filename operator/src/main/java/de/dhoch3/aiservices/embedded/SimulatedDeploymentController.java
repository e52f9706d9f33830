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
 * available, with as many workers as the real controller's default. Never used against a real cluster.
 */
public final class SimulatedDeploymentController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedDeploymentController.class);
  /** Looks at every Deployment again this often: a status write that failed is made again. */
  static final long RESYNC_MILLIS = 5000;
  /** kube-controller-manager's default --concurrent-deployment-syncs: five Deployments are worked on at once. */
  static final int WORKERS = 5;
  private final KubernetesClient client;
  private final java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newFixedThreadPool(WORKERS, runnable -> {
    Thread thread = new Thread(runnable, "simulated-deployment-controller");
    thread.setDaemon(true);
    return thread;
  });
  /** Deployments waiting for a worker, by namespace/name: a work queue holds each key once. */
  private final java.util.Set<String> queued = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile SharedIndexInformer<Deployment> informer;

  public SimulatedDeploymentController(KubernetesClient client) {
    this.client = client;
  }

  public SimulatedDeploymentController start() {
    informer = client.apps().deployments().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.OPERATOR)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Deployment deployment) {
            enqueue(deployment);
          }

          @Override
          public void onUpdate(Deployment old, Deployment deployment) {
            enqueue(deployment);
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

  private void enqueue(Deployment deployment) {
    if (!needsUpdate(deployment)) {
      return;
    }
    String key = deployment.getMetadata().getNamespace() + "/" + deployment.getMetadata().getName();
    if (queued.add(key)) {
      workers.execute(() -> {
        queued.remove(key);
        SharedIndexInformer<Deployment> started = informer;   // null while inform() still delivers the first list
        Deployment latest = started == null ? deployment : started.getStore().getByKey(key);
        if (latest != null) {
          markAvailable(latest);
        }
      });
    }
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
    workers.shutdownNow();
  }
}
