package de.dhoch3.aiservices.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.List;
import java.util.Map;
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
    assertProblem(validate("app: comfy"), "spec.app", "'comfy' is not supported; use one of ai-toolkit, comfyui, custom,");
    assertProblem(validate("app: comfyui\ngpu: {count: -1}"), "spec.gpu.count", "-1 is too small; the minimum is 0");
    assertProblem(validate("app: comfyui\ngpu: {count: 17}"), "spec.gpu.count", "17 is too large; the maximum is 16");
    assertProblem(validate("app: comfyui\ngpu: {mode: gpu}"), "spec.gpu.mode", "use one of dra, exclusive, none, shared, unmanaged");
    assertProblem(validate("app: comfyui\nstorage: {models: {hostPath: relative/models}}"),
        "spec.storage.models.hostPath", "'relative/models' must match ^/.* (Absolute folder on the node");
    assertProblem(validate("app: comfyui\nmodels: {extraPaths: [{category: loras}]}"), "spec.models.extraPaths[0].path", "required");
  }

  @Test
  void aMissingAppSaysWhichAppsExistWithoutRuleNoise() throws Exception {
    // the spec-level rules read self.app; their "no such key" would only repeat the schema error
    assertThat(validate("gpu: {count: 1}")).containsExactly(
        new SpecProblem("spec.app", "required; use one of ai-toolkit, comfyui, custom, fluxgym, fooocus, forge, forge-neo, invokeai"));
  }

  @Test
  void aValueOfTheWrongTypeIsOneProblemAndItsRulesAreSkipped() throws Exception {
    // as the API server: rules on a value of the wrong type are not run
    assertThat(validate("app: comfyui\nstorage: {models: 5}"))
        .containsExactly(new SpecProblem("spec.storage.models", "must be object (got integer)"));
    // int-or-string is an anyOf of two types: one problem naming both
    assertThat(validate("app: comfyui\nresources: {limits: {cpu: [1]}}"))
        .containsExactly(new SpecProblem("spec.resources.limits.cpu", "must be integer or string (got array)"));
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
    // in-app downloads are shared only for the apps that download into folders of their own, on the configured data root
    assertProblem(validate("app: forge\nstorage: {shareDownloads: true}"), "spec",
        "spec.storage.shareDownloads: only comfyui and fooocus download into model folders of their own; remove it for this app");
    assertProblem(validate("app: invokeai\nstorage: {shareDownloads: true}"), "spec", "only comfyui and fooocus");
    assertProblem(validate("app: comfyui\nstorage: {shareDownloads: true, data: {claimName: own}}"), "spec",
        "spec.storage.shareDownloads: the model inbox reaches the apps' folders on the configured data root only");
    assertThat(validate("app: fooocus\nstorage: {shareDownloads: true}")).isEmpty();
    assertThat(validate("app: forge\nstorage: {shareDownloads: false}")).isEmpty();
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
    JsonNode noName = new YAMLMapper().readTree("apiVersion: ai.dhoch3.de/v1\nkind: AIServices\nmetadata: {}\nspec: {app: comfyui}\n");
    List<SpecProblem> problems = validator.validate(noName);
    assertProblem(problems, "apiVersion", "'ai.dhoch3.de/v1' is not served; use ai.dhoch3.de/v1alpha1");
    assertProblem(problems, "kind", "use AIService");
    assertProblem(problems, "metadata.name", "required");
  }

  @Test
  void theNameMustDoForTheService() {
    assertThat(validateNamed("a".repeat(63))).isEmpty();
    // the API server would take these (DNS subdomains), but the Service of the same name would be refused
    assertProblem(validateNamed("a".repeat(64)), "metadata.name", "at most 63 characters");
    assertProblem(validateNamed("comfy.ui"), "metadata.name", "DNS label");
    assertProblem(validateNamed("1comfyui"), "metadata.name", "starting with a letter");
  }

  private List<SpecProblem> validateNamed(String name) {
    // the Map form, as a manifest read by SnakeYAML arrives
    return validator.validate(Map.of("apiVersion", "ai.dhoch3.de/v1alpha1", "kind", "AIService",
        "metadata", Map.of("name", name), "spec", Map.of("app", "comfyui")));
  }

  // ---- rules of a hand-written CRD: what the generated one does not use (yet) ----

  private static CrdSchemaValidator withSpecSchema(String specSchema) throws Exception {
    return new CrdSchemaValidator(new YAMLMapper().readTree("""
        spec:
          versions:
          - name: v1alpha1
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
        """ + specSchema.indent(12)));
  }

  @Test
  void aRuleThatDoesNotCompileFailsLoudlyNamingItsPlace() {
    assertThatThrownBy(() -> withSpecSchema("""
        type: object
        properties:
          gpu:
            type: object
            x-kubernetes-validations:
            - rule: "self.count >"
        """))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("CRD rule at spec.gpu does not compile: self.count >");
    assertThatThrownBy(() -> withSpecSchema("""
        type: object
        x-kubernetes-validations:
        - rule: "size(self)"
        """))
        .hasMessageContaining("CRD rule at spec must evaluate to bool, not int: size(self)");
  }

  @Test
  void messageExpressionFieldPathAndKubernetesStringFunctions() throws Exception {
    CrdSchemaValidator custom = withSpecSchema("""
        type: object
        properties:
          app: {type: string}
          tags: {type: array, items: {type: string}}
        x-kubernetes-validations:
        - rule: "self.app.lowerAscii() == self.app"
          messageExpression: "'must be lowercase, not ' + self.app"
          fieldPath: .app
        - rule: "!has(self.tags) || self.tags.all(t, t.size() <= 3)"
        - rule: "!has(self.tags) || size(self.tags) < 2.5"
          message: "at most 2 tags"
        """);
    JsonNode manifest = new YAMLMapper().readTree("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIService
        metadata: {name: x}
        spec: {app: ComfyUI, tags: [a, b, long]}
        """);
    assertThat(custom.validate(manifest)).containsExactly(
        new SpecProblem("spec.app", "must be lowercase, not ComfyUI"),
        new SpecProblem("spec", "failed rule: !has(self.tags) || self.tags.all(t, t.size() <= 3)"),
        new SpecProblem("spec", "at most 2 tags"));
  }
}
