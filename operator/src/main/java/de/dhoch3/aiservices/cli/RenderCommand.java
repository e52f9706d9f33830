package de.dhoch3.aiservices.cli;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.validation.Admission;
import de.dhoch3.aiservices.validation.SpecProblem;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints exactly the objects the operator would create, after the checks a cluster and the operator make. */
@Command(name = "render", description = "Print the Kubernetes objects the operator would create for the AIService(s) in a file, as multi-document YAML.")
final class RenderCommand implements Callable<Integer> {

  @Option(names = {"-f", "--filename"}, required = true, description = "AIService YAML file or folder, or - for standard input.")
  List<String> files;

  @Option(names = "--config", description = "Operator configuration file (as the Helm chart renders it). Default: the studio's layout.")
  Path config;

  @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Namespace for AIServices that name none (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    OperatorConfig operatorConfig;
    try {
      operatorConfig = OperatorConfig.load(config);
    } catch (OperatorConfig.ConfigException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    List<Manifests.Doc> docs = new ArrayList<>();
    for (String file : files) {
      try {
        docs.addAll(file.equals("-") ? Manifests.read(System.in, "<stdin>", false) : Manifests.fromPaths(List.of(Path.of(file))));
      } catch (Manifests.InvalidManifest e) {
        // bad input, like an invalid spec
        err.println("error: " + e.getMessage());
        return 1;
      } catch (java.io.IOException e) {
        err.println("error: " + e.getMessage());
        return 2;
      }
    }
    if (docs.isEmpty()) {
      err.println("error: no AIService (apiVersion " + AIService.GROUP + "/" + AIService.VERSION + ", kind AIService) found in " + files);
      return 1;
    }

    Admission admission = new Admission(operatorConfig);
    StringBuilder yaml = new StringBuilder();
    boolean failed = false;
    for (Manifests.Doc doc : docs) {
      Admission.Result result = admission.check(doc.node(), namespace);
      if (!result.problems().isEmpty()) {
        failed = true;
        err.println("error: " + doc.source() + ": AIService " + doc.name() + " is invalid:");
        for (SpecProblem problem : result.problems()) {
          err.println("  " + problem.field() + ": " + problem.message());
        }
        continue;
      }
      Workload workload = result.workload();
      for (HasMetadata object : workload.objects()) {
        yaml.append(Serialization.asYaml(object));
      }
    }
    if (failed) {
      return 1;
    }
    out.print(yaml);
    out.flush();
    return 0;
  }
}
