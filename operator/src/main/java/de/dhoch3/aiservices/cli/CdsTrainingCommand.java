package de.dhoch3.aiservices.cli;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.embedded.EmbeddedCluster;
import de.dhoch3.aiservices.embedded.SimulatedDeploymentController;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The training run of the class-data-sharing archive (operator/pom.xml, execution "cds-archive"; the
 * Dockerfile): the JVM records at exit every class it loaded ({@code -XX:ArchiveClassesAtExit}), and a
 * start with the archive maps them instead of reading them from the jar. So the run does what the
 * starts do: the README's embedded run, then the operator as the chart starts it ({@code run
 * --leader-election} with its health server, through a kubeconfig, with production's client) until the
 * examples are Ready. With the embedded run alone about 300 of the classes a shipped start loads came
 * from the jar: kubeconfig, leader election, the health server, the client's HTTP stack.
 */
@Command(name = "cds-training", hidden = true,
    description = "Build step: the training run of the class-data-sharing archive (run with -XX:ArchiveClassesAtExit=FILE).")
final class CdsTrainingCommand implements Callable<Integer> {

  @Option(names = {"-f", "--filename"}, required = true, description = "AIService manifests (files or folders) to apply.")
  List<Path> manifests = new ArrayList<>();

  @Option(names = "--timeout", defaultValue = "PT180S", description = "How long each part may take to converge (ISO-8601).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    List<String> embedded = new ArrayList<>(List.of("run", "--embedded", "--once", "--health-port=0", "--timeout=" + timeout));
    manifests.forEach(path -> embedded.addAll(List.of("-f", path.toString())));
    int exit = Main.execute(embedded.toArray(String[]::new));
    if (exit != 0) {
      return exit;
    }
    EmbeddedCluster cluster = EmbeddedCluster.start();
    new SimulatedDeploymentController(cluster.newClient()).start();
    KubernetesClient user = cluster.newClient();
    Path kubeconfig = Files.createTempFile("cds-training", ".kubeconfig");
    kubeconfig.toFile().deleteOnExit();
    Files.writeString(kubeconfig, cluster.kubeconfig());
    // fabric8's Config reads the system property "kubeconfig" before $KUBECONFIG, and so does RunCommand
    System.setProperty("kubeconfig", kubeconfig.toString());
    // and the build machine's environment must not take the training elsewhere: fabric8 lets KUBERNETES_MASTER,
    // KUBERNETES_AUTH_TRYKUBECONFIG and the proxy variables (HTTPS_PROXY without localhost in NO_PROXY) override
    // a kubeconfig (7.5.2 Config.autoConfigure, configFromSysPropsOrEnvVars), and a system property comes before
    // each of them (Utils.getSystemPropertyOrEnvVar)
    System.setProperty("kubernetes.auth.tryKubeConfig", "true");
    System.setProperty("kubernetes.master", cluster.client().getMasterUrl().toString());
    System.setProperty("no.proxy", "localhost,127.0.0.1");
    // the warm-up of a shipped start (Main.main), so that what it loads is in the archive too
    StartWarmUp.begin();
    List<AIService> applied = RunCommand.apply(new java.io.PrintWriter(System.err, true), user, cluster, OperatorConfig.defaults(), manifests);
    java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger(-1);
    Thread shipped = new Thread(() -> ended.set(Main.execute("run", "--health-port=0", "--leader-election", "--lease-namespace=default")),
        "cds-training-run");
    shipped.setDaemon(true);
    shipped.start();
    // until Ready, the deadline, or the operator's end (it runs until the JVM exits, so an end is a failure)
    boolean converged = EmbeddedReport.awaitConverged(user, applied, Instant.now().plus(timeout), shipped::isAlive);
    System.err.println("cds-training: the operator as shipped " + (converged ? "converged"
        : shipped.isAlive() ? "did not converge in " + timeout : "ended with exit code " + ended.get()));
    // exit here, while the server is still up: the operator stops as on SIGTERM (its shutdown hook gives the lease up),
    // and that is recorded too
    System.exit(converged ? 0 : 1);
    return 1;
  }
}
