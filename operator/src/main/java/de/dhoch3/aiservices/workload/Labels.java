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

  /** The pod selector: stable for the life of the AIService (a Deployment's selector is immutable). */
  public static Map<String, String> selector(AIService ai) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(MANAGED_BY, OPERATOR);
    selector.put(INSTANCE, ai.getMetadata().getName());
    return selector;
  }
}
