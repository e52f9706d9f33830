package de.dhoch3.aiservices.cli;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.validation.SpecProblem;
import de.dhoch3.aiservices.workload.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import java.io.StringWriter;
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

  /** AIModels: the download Job the operator would run for each (uid and owner as the API server would give them). */
  private int renderModels(List<Manifests.Doc> models, OperatorConfig operatorConfig, PrintWriter out, PrintWriter err) {
    boolean failed = false;
    for (Manifests.Doc doc : models) {
      de.dhoch3.aiservices.api.AIModel model;
      try {
        model = Serialization.jsonMapper().treeToValue(doc.node(), de.dhoch3.aiservices.api.AIModel.class);
      } catch (Exception unreadable) {
        err.println("error: " + doc.source() + ": not an AIModel: " + unreadable.getMessage().lines().findFirst().orElse(""));
        failed = true;
        continue;
      }
      if (model.getMetadata().getNamespace() == null) {
        model.getMetadata().setNamespace(namespace);
      }
      try {
        var plan = de.dhoch3.aiservices.models.ModelJobs.plan(model, operatorConfig);
        out.print(Serialization.asYaml(de.dhoch3.aiservices.models.ModelJobs.download(model, plan, operatorConfig)));
      } catch (de.dhoch3.aiservices.validation.InvalidSpecException invalid) {
        failed = true;
        err.println("error: " + doc.source() + ": AIModel " + model.getMetadata().getName() + " is invalid:");
        invalid.problems().forEach(p -> err.println("  " + p.field() + ": " + p.message()));
      }
    }
    out.flush();
    return failed ? 1 : 0;
  }

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
    List<Manifests.Doc> models = new ArrayList<>();
    for (String file : files) {
      try {
        if (file.equals("-")) {
          byte[] stdin = System.in.readAllBytes();
          docs.addAll(Manifests.read(new java.io.ByteArrayInputStream(stdin), "<stdin>", false));
          models.addAll(Manifests.read(new java.io.ByteArrayInputStream(stdin), "<stdin>", false, Manifests::isAIModel));
        } else {
          docs.addAll(Manifests.fromPaths(List.of(Path.of(file))));
          models.addAll(Manifests.fromPaths(List.of(Path.of(file)), Manifests::isAIModel));
        }
      } catch (Manifests.InvalidManifest e) {
        // bad input, like an invalid spec
        err.println("error: " + e.getMessage());
        return 1;
      } catch (java.io.IOException e) {
        err.println("error: " + e.getMessage());
        return 2;
      }
    }
    if (docs.isEmpty() && !models.isEmpty()) {
      return renderModels(models, operatorConfig, out, err);
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
    if (!models.isEmpty()) {
      StringWriter modelYaml = new StringWriter();
      if (renderModels(models, operatorConfig, new PrintWriter(modelYaml), err) != 0) {
        return 1;
      }
      yaml.append(modelYaml);
    }
    out.print(yaml);
    out.flush();
    return 0;
  }
}
