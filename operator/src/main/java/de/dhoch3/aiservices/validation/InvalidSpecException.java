package de.dhoch3.aiservices.validation;

import java.util.List;
import java.util.stream.Collectors;

/** The AIService cannot be turned into a workload; nothing may be created for it. */
public class InvalidSpecException extends RuntimeException {
  private final transient List<SpecProblem> problems;

  public InvalidSpecException(List<SpecProblem> problems) {
    super(problems.stream().map(SpecProblem::toString).collect(Collectors.joining("; ")));
    this.problems = List.copyOf(problems);
  }

  public InvalidSpecException(String field, String message) {
    this(List.of(new SpecProblem(field, message)));
  }

  public List<SpecProblem> problems() {
    return problems;
  }

  /** The condition reason the status reports for this problem. */
  public String reason() {
    return "InvalidSpec";
  }
}
