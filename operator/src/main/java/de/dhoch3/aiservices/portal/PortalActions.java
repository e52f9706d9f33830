package de.dhoch3.aiservices.portal;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.reconcile.EventRecorder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The portal's actions on behalf of a user the authentication proxy named: each is first asked of
 * the API server as that user (a SubjectAccessReview: may this user patch this AIService, or its
 * Deployment for a restart, as kubectl would?), then done by the operator and recorded as an Event
 * naming the user, allowed or not.
 */
public final class PortalActions {
  /** What the API server answers for one user and one request. */
  public interface AccessReview {
    boolean allowed(String user, List<String> groups, String verb, String group, String resource, String namespace, String name);
  }

  public record Result(int status, String message) {}

  static final Map<String, String[]> ACTIONS = Map.of(
      "suspend", new String[] {"ai.dhoch3.de", "aiservices"},
      "resume", new String[] {"ai.dhoch3.de", "aiservices"},
      // what kubectl rollout restart needs
      "restart", new String[] {"apps", "deployments"});

  private final KubernetesClient client;
  private final AccessReview review;
  private final EventRecorder events;

  public PortalActions(KubernetesClient client, AccessReview review) {
    this.client = client;
    this.review = review;
    this.events = new EventRecorder(client);
  }

  /** The API server's own answer, through a SubjectAccessReview (the operator may create them). */
  public static AccessReview subjectAccessReview(KubernetesClient client) {
    return (user, groups, verb, group, resource, namespace, name) -> {
      SubjectAccessReview asked = client.authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder()
          .withNewSpec().withUser(user).withGroups(groups)
            .withNewResourceAttributes().withVerb(verb).withGroup(group).withResource(resource).withNamespace(namespace).withName(name)
            .endResourceAttributes()
          .endSpec().build());
      return asked.getStatus() != null && Boolean.TRUE.equals(asked.getStatus().getAllowed())
          && !Boolean.TRUE.equals(asked.getStatus().getDenied());
    };
  }

  public Result act(String user, List<String> groups, String namespace, String name, String action) {
    String[] target = ACTIONS.get(action);
    if (target == null) {
      return new Result(400, "unknown action");
    }
    // asked first: whether an app exists is not told to someone who may not touch it (the Deployment has the AIService's name)
    boolean allowed = review.allowed(user, groups, "patch", target[0], target[1], namespace, name);
    var resource = client.resources(AIService.class).inNamespace(namespace).withName(name);
    AIService ai = allowed ? resource.get() : null;
    if (!allowed) {
      AIService denied = resource.get();
      if (denied != null) {
        events.warning(denied, "PortalActionDenied", action + " asked from the portal by " + user + ": not allowed (" + target[1] + " patch)");
      }
      return new Result(403, user + " may not " + action + " " + namespace + "/" + name);
    }
    if (ai == null) {
      return new Result(404, "no AIService " + namespace + "/" + name);
    }
    String deployment = de.dhoch3.aiservices.workload.Names.workload(ai);
    switch (action) {
      case "suspend", "resume" -> resource.edit(current -> {
        current.getSpec().suspend = action.equals("suspend") ? Boolean.TRUE : null;
        return current;
      });
      default -> client.apps().deployments().inNamespace(namespace).withName(deployment).edit(d -> {
        var template = d.getSpec().getTemplate().getMetadata();
        Map<String, String> annotations = template.getAnnotations() == null ? new java.util.HashMap<>() : new java.util.HashMap<>(template.getAnnotations());
        annotations.put("kubectl.kubernetes.io/restartedAt", Instant.now().toString());
        template.setAnnotations(annotations);
        return d;
      });
    }
    events.normal(ai, "Portal" + Character.toUpperCase(action.charAt(0)) + action.substring(1), action + " from the portal by " + user);
    return new Result(303, action + " " + namespace + "/" + name);
  }
}
