package de.dhoch3.aiservices.validation;

/** One thing wrong with an AIService: the field (as a path from the resource root) and how to fix it. */
public record SpecProblem(String field, String message) {
  @Override
  public String toString() {
    return field + ": " + message;
  }
}
