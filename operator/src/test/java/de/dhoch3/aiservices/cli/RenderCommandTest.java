package de.dhoch3.aiservices.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** render through the real command line: YAML out and exit 0, or every problem named and exit 1. */
class RenderCommandTest {
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  private Run render(String manifest, String... extra) throws Exception {
    Path file = dir.resolve("ai.yaml");
    Files.writeString(file, manifest);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] args = new String[2 + extra.length + 1];
    args[0] = "render";
    args[1] = "-f";
    args[2] = file.toString();
    System.arraycopy(extra, 0, args, 3, extra.length);
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void printsTheObjectsTheOperatorWouldCreate() throws Exception {
    Run run = render("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIService
        metadata: {name: comfyui, namespace: studio}
        spec:
          app: comfyui
          expose: {ingress: {host: comfyui.example.com}}
        """);
    assertThat(run.exit()).as(run.err()).isZero();
    List<HasMetadata> objects = Serialization.unmarshal(run.out());
    assertThat(objects).extracting(HasMetadata::getKind).containsExactly("ConfigMap", "Deployment", "Service", "Ingress");
    Deployment deployment = (Deployment) objects.get(1);
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts())
        .filteredOn(m -> m.getName().equals("models")).allSatisfy(m -> assertThat(m.getReadOnly()).isTrue());
  }

  @Test
  void anchorsAliasesAndMergeKeysAreExpandedAsKubectlDoes() throws Exception {
    Run run = render("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIService
        metadata: {name: merged, namespace: studio}
        spec:
          app: comfyui
          x-common: &common
            HF_HUB_OFFLINE: "1"
          env:
            - &offline {name: HF_HUB_OFFLINE, value: "1"}
          expose:
            ingress:
              <<: &ingress {className: traefik, host: merged.example.com}
              path: /
        """.replace("  x-common: &common\n    HF_HUB_OFFLINE: \"1\"\n", ""));
    assertThat(run.exit()).as(run.err()).isZero();
    List<HasMetadata> objects = Serialization.unmarshal(run.out());
    var ingress = (io.fabric8.kubernetes.api.model.networking.v1.Ingress) objects.stream()
        .filter(o -> o.getKind().equals("Ingress")).findFirst().orElseThrow();
    assertThat(ingress.getSpec().getRules().get(0).getHost()).isEqualTo("merged.example.com");
    assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("traefik");
    Deployment deployment = (Deployment) objects.stream().filter(o -> o.getKind().equals("Deployment")).findFirst().orElseThrow();
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("HF_HUB_OFFLINE=1"));
  }

  @Test
  void anAliasUsedAsAValueIsTheAnchoredValueNotItsName() throws Exception {
    Run run = render("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIService
        metadata: {name: aliased, namespace: studio}
        spec:
          app: comfyui
          args: &flags ["--fast"]
          env: [{name: HF_HOME, value: &home /root/.cache/huggingface}, {name: XDG_CACHE_HOME, value: *home}]
        """);
    assertThat(run.exit()).as(run.err()).isZero();
    Deployment deployment = (Deployment) Serialization.<List<HasMetadata>>unmarshal(run.out()).stream()
        .filter(o -> o.getKind().equals("Deployment")).findFirst().orElseThrow();
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("XDG_CACHE_HOME=/root/.cache/huggingface"));
  }

  @Test
  void aFileThatExpandsItselfIsRefusedNotExpanded() throws Exception {
    StringBuilder laughs = new StringBuilder("apiVersion: ai.dhoch3.de/v1alpha1\nkind: AIService\nmetadata: {name: laughs}\nspec:\n  app: comfyui\n");
    laughs.append("  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 9; i++) {
      laughs.append("  a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 9; j++) {
        laughs.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      laughs.append("]\n");
    }
    Run run = render(laughs.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("alias").doesNotContain("Exception").doesNotContain("org.yaml");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void refusesBadInputNamingTheFieldWithExitCodeOne() throws Exception {
    Run run = render("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIService
        metadata: {name: comfyui}
        spec:
          app: comfyui
          storage:
            models: {hostPath: /vol/service/cw/../../etc}
            user: {hostPath: /home/artist}
        """);
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    // refused at admission (CRD rule), like the API server would
    assertThat(run.err()).contains("spec.storage.models.hostPath").contains("'..'");

    Run outside = render("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIService
        metadata: {name: comfyui}
        spec:
          app: comfyui
          storage:
            models: {hostPath: /srv/models}
            user: {hostPath: /home/artist}
        """);
    assertThat(outside.exit()).isEqualTo(1);
    // refused by the operator's own checks, all at once
    assertThat(outside.err()).contains("spec.storage.models.hostPath").contains("spec.storage.user.hostPath").contains("storage.roots.models").contains("storage.roots.user");
  }

  @Test
  void schemaErrorsNameTheFieldAndTheChoices() throws Exception {
    Run run = render("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIService
        metadata: {name: comfyui}
        spec: {app: comfy, gpu: {cout: 1}}
        """);
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("spec.app: 'comfy' is not supported; use one of").contains("comfyui")
        .contains("spec.gpu.cout: unknown field");
  }

  @Test
  void theOperatorConfigurationChangesTheDefaults() throws Exception {
    Path config = dir.resolve("operator.yaml");
    Files.writeString(config, "storage:\n  models: {claimName: studio-models}\ningress: {domain: studio.example.com}\n");
    Run run = render("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIService
        metadata: {name: comfyui}
        spec: {app: comfyui, expose: {ingress: {}}}
        """, "--config", config.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("claimName: \"studio-models\"").contains("host: \"comfyui.studio.example.com\"");
  }
}
