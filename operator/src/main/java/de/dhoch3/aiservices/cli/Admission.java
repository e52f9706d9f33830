package de.dhoch3.aiservices.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.validation.CrdSchemaValidator;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import de.dhoch3.aiservices.validation.SpecProblem;
import de.dhoch3.aiservices.workload.Workload;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import java.util.List;

/**
 * What a cluster with this operator does to a submitted AIService, offline: the CRD's schema and
 * CEL rules (as the API server would at admission), then the operator's own checks and the
 * desired state (as the reconciler would). Used by render and by the embedded run's apply.
 */
public final class Admission {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final OperatorConfig config;

  public record Result(AIService resource, Workload workload, List<SpecProblem> problems) {}

  public Admission(OperatorConfig config) {
    this.config = config;
  }

  /** What the API server would refuse at admission (the CRD schema and its CEL rules). */
  public List<SpecProblem> schemaProblems(JsonNode manifest) {
    return CrdSchemaValidator.fromClasspath().validate(manifest);
  }

  public Result check(JsonNode manifest, String defaultNamespace) {
    List<SpecProblem> rejected = schemaProblems(manifest);
    if (!rejected.isEmpty()) {
      return new Result(null, null, rejected);
    }
    AIService ai;
    try {
      ai = JSON.convertValue(manifest, AIService.class);
    } catch (IllegalArgumentException e) {
      return new Result(null, null, List.of(new SpecProblem("spec", "cannot be read as an AIService: " + e.getMessage())));
    }
    if (ai.getMetadata() == null || ai.getMetadata().getName() == null) {
      return new Result(ai, null, List.of(new SpecProblem("metadata.name", "required: the AIService needs a name")));
    }
    if (ai.getMetadata().getNamespace() == null) {
      ai.getMetadata().setNamespace(defaultNamespace);
    }
    try {
      return new Result(ai, WorkloadBuilder.build(ai, config), List.of());
    } catch (InvalidSpecException e) {
      return new Result(ai, null, e.problems());
    }
  }
}
