package de.dhoch3.aiservices.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generated CRD's schema and CEL rules, evaluated as the API server would at admission. */
class CrdSchemaValidatorTest {
  private final CrdSchemaValidator validator = CrdSchemaValidator.fromClasspath();

  private List<SpecProblem> validate(String spec) throws Exception {
    JsonNode manifest = new YAMLMapper().readTree("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIService
        metadata: {name: comfyui, namespace: studio}
        spec:
        """ + spec.indent(2));
    return validator.validate(manifest);
  }

  private static void assertProblem(List<SpecProblem> problems, String field, String messagePart) {
    assertThat(problems).as(problems.toString())
        .anySatisfy(p -> {
          assertThat(p.field()).isEqualTo(field);
          assertThat(p.message()).contains(messagePart);
        });
  }

  @Test
  void aValidManifestPasses() throws Exception {
    assertThat(validate("""
        app: comfyui
        gpu: {mode: shared, product: NVIDIA-RTX-A6000}
        storage:
          models: {claimName: studio-models, subPath: models}
          data: {hostPath: /vol/service/cw/storage}
        models:
          extraPaths: [{category: loras, path: loras-sdxl}]
        expose:
          service: {type: NodePort, nodePort: 30188}
          ingress: {host: comfyui.example.com, tls: {issuer: letsencrypt}}
        resources: {limits: {memory: 32Gi, cpu: "8"}}
        env: [{name: HF_HUB_OFFLINE, value: "1"}]
        nodeSelector: {room: render}
        """)).isEmpty();
  }

  @Test
  void enumsRangesAndPatterns() throws Exception {
    assertProblem(validate("app: comfy"), "spec.app", "'comfy' is not supported; use one of");
    assertProblem(validate("app: comfyui\ngpu: {count: -1}"), "spec.gpu.count", "0");
    assertProblem(validate("app: comfyui\ngpu: {count: 17}"), "spec.gpu.count", "16");
    assertProblem(validate("app: comfyui\nstorage: {models: {hostPath: relative/models}}"), "spec.storage.models.hostPath", "^/");
    assertProblem(validate("gpu: {count: 1}"), "spec.app", "required");
  }

  @Test
  void celRulesOfTheCrd() throws Exception {
    assertProblem(validate("app: comfyui\nstorage: {models: {hostPath: /vol/service/cw/m, claimName: models}}"),
        "spec.storage.models", "exactly one of hostPath");
    assertProblem(validate("app: comfyui\nstorage: {models: {subPath: models}}"), "spec.storage.models", "exactly one of hostPath");
    assertProblem(validate("app: custom\ncontainer: {port: 8080}"), "spec", "spec.image");
    assertProblem(validate("app: custom\nimage: me/app:1"), "spec", "spec.container.port");
    assertProblem(validate("app: comfyui\nexpose: {ingress: {tls: {secretName: s, issuer: i}}}"), "spec.expose.ingress", "not both");
    assertProblem(validate("app: comfyui\nstorage: {data: {claimName: share, subPath: data/../../etc}}"),
        "spec.storage.data.subPath", "'..'");
    assertProblem(validate("app: comfyui\nmodels: {files: [{source: ../secrets, target: /x}]}"), "spec.models.files[0].source", "'..'");
  }

  @Test
  void unknownFieldsAreNamedWithTheKnownOnes() throws Exception {
    List<SpecProblem> problems = validate("app: comfyui\ngpu: {cout: 2}");
    assertProblem(problems, "spec.gpu.cout", "unknown field");
    assertProblem(problems, "spec.gpu.cout", "count");
    // free-form maps are not "unknown fields"
    assertThat(validate("app: comfyui\nnodeSelector: {anything: goes}\nexpose: {ingress: {host: a.b, annotations: {x: y}}}")).isEmpty();
  }

  @Test
  void metadataIsChecked() throws Exception {
    JsonNode noName = new YAMLMapper().readTree("apiVersion: ai.dhoch3.de/v1\nkind: AIService\nmetadata: {}\nspec: {app: comfyui}\n");
    List<SpecProblem> problems = validator.validate(noName);
    assertProblem(problems, "apiVersion", "ai.dhoch3.de/v1alpha1");
    assertProblem(problems, "metadata.name", "required");
  }
}
