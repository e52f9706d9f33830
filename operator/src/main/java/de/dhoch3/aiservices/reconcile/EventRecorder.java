package de.dhoch3.aiservices.reconcile;

import de.dhoch3.aiservices.api.AIService;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events on the operator's objects (AIService, the inbox's CronJob), as kubectl describe shows them. Failing to record one never fails a reconcile. */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  static final String COMPONENT = "aiservice-operator";
  private final KubernetesClient client;

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void warning(io.fabric8.kubernetes.api.model.HasMetadata ai, String reason, String message) {
    record(ai, "Warning", reason, message);
  }

  public void normal(io.fabric8.kubernetes.api.model.HasMetadata ai, String reason, String message) {
    record(ai, "Normal", reason, message);
  }

  /** Labelled as the operator's: the portal's informer selects exactly these. */
  private void record(io.fabric8.kubernetes.api.model.HasMetadata ai, String type, String reason, String message) {
    String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0));
    Event event = new EventBuilder()
        .withNewMetadata()
          .withName(ai.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
          .withNamespace(ai.getMetadata().getNamespace())
          .addToLabels(de.dhoch3.aiservices.workload.Labels.MANAGED_BY, de.dhoch3.aiservices.workload.Labels.OPERATOR)
        .endMetadata()
        .withNewInvolvedObject()
          .withApiVersion(ai.getApiVersion()).withKind(ai.getKind())
          .withName(ai.getMetadata().getName()).withNamespace(ai.getMetadata().getNamespace())
          .withUid(ai.getMetadata().getUid()).withResourceVersion(ai.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType(type).withReason(reason).withMessage(message)
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .build();
    try {
      client.v1().events().inNamespace(ai.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.warn("could not record event {} on {}/{}: {}", reason, ai.getMetadata().getNamespace(), ai.getMetadata().getName(), e.getMessage());
    }
  }
}
