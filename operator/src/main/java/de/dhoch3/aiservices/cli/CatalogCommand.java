package de.dhoch3.aiservices.cli;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ContainerSpec;
import de.dhoch3.aiservices.api.ModelPath;
import de.dhoch3.aiservices.apps.AppDefaults;
import de.dhoch3.aiservices.apps.AppProfile;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.workload.Workload;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The built-in apps and, per app, where each shared category lands and how the app is told. */
@Command(name = "catalog", description = "List the built-in apps and their model path translations.")
final class CatalogCommand implements Callable<Integer> {

  @Option(names = "--config", description = "Operator configuration file (image overrides, storage defaults).")
  Path config;

  @Option(names = "--app", description = "Only this app.")
  String app;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    OperatorConfig operatorConfig = OperatorConfig.load(config);
    String row = "%-12s %-58s %-6s %-11s %s%n";
    out.printf(row, "APP", "IMAGE", "PORT", "SERVICEDIR", "READINESS");
    for (AppProfile profile : Catalog.all()) {
      AppDefaults d = profile.defaults();
      if (app != null && !d.app().value().equals(app)) {
        continue;
      }
      String image = operatorConfig.imageOverride(d.app().value()) != null ? operatorConfig.imageOverride(d.app().value()) : d.image();
      out.printf(row, d.app().value(), image == null ? "(spec.image)" : image, d.port() > 0 ? d.port() : "(spec)",
          d.serviceDir() == null ? "(name)" : d.serviceDir(), d.readinessPath());
    }
    for (AppProfile profile : Catalog.all()) {
      AppDefaults d = profile.defaults();
      if (app != null && !d.app().value().equals(app)) {
        continue;
      }
      Workload workload = WorkloadBuilder.build(sample(d.app()), operatorConfig);
      out.printf("%n%s: shared store -> app%n", d.app().value());
      if (d.imageNeeds() != null && d.app() != App.CUSTOM && operatorConfig.imageOverride(d.app().value()) == null) {
        out.printf("  image: %s%n", d.imageNeeds());
      }
      String layout = "  %-18s %-52s %s%n";
      out.printf(layout, "CATEGORY", "PATH IN CONTAINER", "HOW THE APP IS TOLD");
      for (ModelPath path : workload.modelPaths()) {
        out.printf(layout, path.category, path.path, path.via);
      }
    }
    out.flush();
    return 0;
  }

  /** A default AIService of the app, to show the translation exactly as the builder makes it. */
  private static AIService sample(App app) {
    AIService ai = new AIService();
    ai.setMetadata(new ObjectMetaBuilder().withName(app.value()).withNamespace("default").build());
    ai.setSpec(new AIServiceSpec());
    ai.getSpec().app = app;
    if (Catalog.profile(app).defaults().image() == null) {
      // the translation does not depend on the image; apps without a public one need the studio's own
      ai.getSpec().image = "registry.example.com/studio/" + app.value() + ":1.0";
    }
    if (app == App.CUSTOM) {
      ai.getSpec().image = "registry.example.com/my-app:1.0";
      ai.getSpec().container = new ContainerSpec();
      ai.getSpec().container.port = 8080;
    }
    return ai;
  }
}
