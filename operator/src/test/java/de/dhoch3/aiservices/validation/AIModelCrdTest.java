package de.dhoch3.aiservices.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The AIModel CRD's own rules, as the API server evaluates them at admission (schema and CEL of crds/). */
class AIModelCrdTest {
  private static final YAMLMapper YAML = new YAMLMapper();

  private static CrdSchemaValidator validator() throws Exception {
    return new CrdSchemaValidator(YAML.readTree(Path.of(System.getProperty("repo.root", ".."), "crds", "aimodels.ai.dhoch3.de-v1.yml").toFile()));
  }

  private static JsonNode model(String url) throws Exception {
    return YAML.readTree("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIModel
        metadata: {name: m, namespace: studio}
        spec:
          source: {url: "%s"}
          category: vae
          fileName: x.safetensors
        """.formatted(url));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "https://user:pass@models.example.com/x.safetensors | user-info",
      "https://token@huggingface.co/x | user-info",
      "https://169.254.169.254/latest | IP address",
      "https://10.0.0.12:9000/x | IP address",
      "https://[::1]/x | IP address",
      "https://2130706433/x | IP address",
      "https://0x7f000001/x | IP address"})
  void urlsWithCredentialsOrAddressesAreRefusedAtAdmission(String url, String says) throws Exception {
    assertThat(validator().validate(model(url))).anySatisfy(p -> assertThat(p.toString()).contains("spec.source").contains(says));
  }

  @ParameterizedTest
  @CsvSource({"https://huggingface.co/stabilityai/sdxl-vae/resolve/main/sdxl_vae.safetensors",
      "https://example.com/files/a@b.safetensors", "https://cdn.example.com/1.2.3/x.safetensors"})
  void ordinaryUrlsAreAdmitted(String url) throws Exception {
    assertThat(validator().validate(model(url))).isEmpty();
  }

  @org.junit.jupiter.api.Test
  void aFileNeedsACategoryAndAWholeRepositoryTakesNone() throws Exception {
    JsonNode fileWithout = YAML.readTree("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIModel
        metadata: {name: m, namespace: studio}
        spec:
          source: {huggingFace: {repo: black-forest-labs/FLUX.1-schnell, file: ae.safetensors}}
        """);
    assertThat(validator().validate(fileWithout)).anySatisfy(p -> assertThat(p.toString()).contains("spec.category"));
    JsonNode repo = YAML.readTree("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIModel
        metadata: {name: m, namespace: studio}
        spec:
          source: {huggingFace: {repo: black-forest-labs/FLUX.1-dev, revision: main}}
        """);
    assertThat(validator().validate(repo)).isEmpty();
  }

  /** The inbox's records: an upload names its file and checksum; an upload beside a download source is refused. */
  @org.junit.jupiter.api.Test
  void anUploadRecordNamesItsFileAndIsTheOnlySource() throws Exception {
    JsonNode record = YAML.readTree("""
        apiVersion: ai.dhoch3.de/v1alpha1
        kind: AIModel
        metadata: {name: upload-juggernaut-0123456789, namespace: studio}
        spec:
          source: {upload: {from: checkpoints/SDXL/juggernaut.safetensors, bytes: 6938040706}}
          category: checkpoints
          folder: SDXL
          fileName: juggernaut.safetensors
          sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        """);
    assertThat(validator().validate(record)).isEmpty();
    ((com.fasterxml.jackson.databind.node.ObjectNode) record.get("spec")).remove("sha256");
    assertThat(validator().validate(record)).anySatisfy(p -> assertThat(p.toString()).contains("an upload record names its fileName and sha256"));
    ((com.fasterxml.jackson.databind.node.ObjectNode) record.get("spec")).put("sha256", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    ((com.fasterxml.jackson.databind.node.ObjectNode) record.at("/spec/source")).put("url", "https://example.com/x.safetensors");
    assertThat(validator().validate(record)).anySatisfy(p -> assertThat(p.toString()).contains("set exactly one of url, huggingFace, civitai"));
  }
}
