package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.AIService;
import java.util.LinkedHashMap;
import java.util.Map;

/** The labels every owned object carries; informers select on {@link #MANAGED_BY_SELECTOR}. */
public final class Labels {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "aiservice-operator";
  public static final String MANAGED_BY_SELECTOR = MANAGED_BY + "=" + OPERATOR;
  public static final String INSTANCE = "ai.dhoch3.de/aiservice";
  /** Lists the annotation keys the operator set on an object, so a key it no longer sets is removed, others' keys kept. */
  public static final String OWNED_ANNOTATIONS = "ai.dhoch3.de/owned-annotations";

  private Labels() {}

  /** Labels of all owned objects of one AIService. */
  public static Map<String, String> of(AIService ai) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", ai.getSpec().app.value());
    labels.put("app.kubernetes.io/instance", ai.getMetadata().getName());
    labels.put(MANAGED_BY, OPERATOR);
    labels.put(INSTANCE, ai.getMetadata().getName());
    return labels;
  }

  /** Records which annotations of the object are the operator's (none: nothing recorded). */
  public static void recordOwnedAnnotations(io.fabric8.kubernetes.api.model.HasMetadata object) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    if (annotations == null || annotations.isEmpty()) {
      return;
    }
    annotations.remove(OWNED_ANNOTATIONS);
    String keys = String.join(",", new java.util.TreeSet<>(annotations.keySet()));
    annotations.put(OWNED_ANNOTATIONS, keys);
  }

  /** The pod selector: stable for the life of the AIService (a Deployment's selector is immutable). */
  public static Map<String, String> selector(AIService ai) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(MANAGED_BY, OPERATOR);
    selector.put(INSTANCE, ai.getMetadata().getName());
    return selector;
  }
}
