package de.dhoch3.aiservices.apps;

/**
 * Where each storage piece lands inside the app's container. A null path means the piece is not
 * mounted for this app (e.g. InvokeAI has no input folder).
 */
public record ContainerPaths(String models, String data, String output, String input, String workflows) {

  public ContainerPaths withOverrides(de.dhoch3.aiservices.api.ContainerSpec spec) {
    if (spec == null) {
      return this;
    }
    return new ContainerPaths(
        spec.modelsPath != null ? spec.modelsPath : models,
        spec.dataPath != null ? spec.dataPath : data,
        spec.outputPath != null ? spec.outputPath : output,
        spec.inputPath != null ? spec.inputPath : input,
        spec.workflowsPath != null ? spec.workflowsPath : workflows);
  }
}
