package de.dhoch3.aiservices.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.cli.Main;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.reconcile.OperatorHarness;
import de.dhoch3.aiservices.reconcile.StatusCalculator;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The bad-input catalogue (src/test/resources/bad-input): manifests a careless admin or a bad
 * GitOps commit could produce. Each file starts with comments: {@code # field:} the field the
 * answer must name, {@code # fix:} what the author should do, {@code # admission:} yes (the CRD
 * schema and CEL refuse it, as the API server would), no (admitted; the operator refuses it) or
 * yaml (not readable YAML, kubectl refuses it too), and optionally {@code # config:} an inline
 * operator configuration. Every file is refused by render with the field named and no Java or
 * Jackson internals; the admitted ones also stall the real reconciler without creating anything (BadInputReconcilerTest).
 */
class BadInputCatalogueTest {
  private static final List<String> INTERNALS = List.of(
      "Exception", "com.fasterxml", "jackson", "java.", "at de.", "Cannot deserialize", "JsonMappingException");
  private static final YAMLMapper YAML = new YAMLMapper();

  @TempDir static Path tmp;

  record Case(String file, Path path, String field, String fix, String admission, String config) {
    @Override
    public String toString() {
      return file;
    }
  }

  static Stream<Case> catalogue() throws IOException, URISyntaxException {
    Path dir = Path.of(BadInputCatalogueTest.class.getResource("/bad-input").toURI());
    List<Case> cases = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path path : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        Map<String, String> header = new LinkedHashMap<>();
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
          if (!line.startsWith("#")) {
            break;
          }
          int colon = line.indexOf(':');
          if (colon > 0) {
            header.put(line.substring(1, colon).strip(), line.substring(colon + 1).strip());
          }
        }
        cases.add(new Case(path.getFileName().toString(), path, header.get("field"), header.get("fix"), header.get("admission"),
            header.get("config")));
      }
    }
    return cases.stream();
  }

  /** Cases the API server sees (not broken YAML). */
  static Stream<Case> documents() throws IOException, URISyntaxException {
    return catalogue().filter(c -> !c.admission().equals("yaml"));
  }

  /** Cases the API server admits, so the operator must refuse them. */
  static Stream<Case> admitted() throws IOException, URISyntaxException {
    return catalogue().filter(c -> c.admission().equals("no"));
  }


  @Test
  void theCatalogueIsCompleteAndEveryFileSaysWhatIsWrongAndHowToFixIt() throws Exception {
    List<Case> cases = catalogue().toList();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(60);
    assertThat(cases).allSatisfy(c -> {
      assertThat(c.file()).as("file name").matches("\\d{2,3}-[a-z0-9-]+\\.yaml");
      assertThat(c.field()).as(c.file() + ": # field:").isNotBlank();
      assertThat(c.fix()).as(c.file() + ": # fix:").isNotBlank();
      assertThat(c.admission()).as(c.file() + ": # admission:").isIn("yes", "no", "yaml");
    });
    assertThat(cases).filteredOn(c -> c.admission().equals("no")).hasSizeGreaterThanOrEqualTo(20);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("catalogue")
  void renderRefusesNamingTheFieldWithoutJavaInternals(Case c) throws Exception {
    List<String> args = new ArrayList<>(List.of("render", "-f", c.path().toString()));
    if (c.config() != null) {
      Path config = tmp.resolve(c.file() + ".operator.yaml");
      Files.writeString(config, c.config());
      args.addAll(List.of("--config", config.toString()));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args.toArray(String[]::new));

    String stderr = err.toString();
    assertThat(exit).as(c.file() + "\n" + stderr + out).isEqualTo(1);
    assertThat(out.toString()).as("nothing rendered").isEmpty();
    assertThat(stderr).as(c.file()).contains(c.field());
    for (String internal : INTERNALS) {
      assertThat(stderr).as(c.file() + ": no Java/Jackson internals").doesNotContain(internal);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("documents")
  void admissionRefusesWhatTheCrdCanExpress(Case c) throws Exception {
    JsonNode manifest = YAML.readTree(c.path().toFile());
    List<SpecProblem> problems = new de.dhoch3.aiservices.cli.Admission(config(c)).schemaProblems(manifest);
    if (c.admission().equals("yes")) {
      assertThat(problems).as(c.file()).isNotEmpty();
      assertThat(problems).as(c.file()).anySatisfy(p -> assertThat(p.toString()).contains(c.field()));
    } else {
      assertThat(problems).as(c.file() + ": admitted, so the operator must refuse it").isEmpty();
    }
  }

  private static OperatorConfig config(Case c) {
    return c.config() == null ? OperatorConfig.defaults()
        : OperatorConfig.parse(new ByteArrayInputStream(c.config().getBytes(StandardCharsets.UTF_8)), c.file());
  }

}
