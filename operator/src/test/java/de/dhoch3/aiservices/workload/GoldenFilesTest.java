package de.dhoch3.aiservices.workload;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.apps.AppProfile;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exact objects rendered for every app, compared with checked-in files. A change to the
 * desired state shows up as a reviewable diff. Regenerate after an intended change with
 * {@code mvn test -Dtest=GoldenFilesTest -Dgolden.update=true}.
 */
class GoldenFilesTest {
  static final Path DIR = Path.of(System.getProperty("repo.root", ".."), "operator/src/test/resources/golden");

  static Stream<String> apps() {
    return Catalog.all().stream().map(AppProfile::defaults).map(d -> d.app().value());
  }

  @ParameterizedTest
  @MethodSource("apps")
  void renderedObjectsMatchTheGoldenFile(String app) throws IOException {
    Path input = DIR.resolve(app + ".input.yaml");
    assertThat(input).as("every catalog app needs a golden input " + input).exists();
    AIService ai = Serialization.unmarshal(Files.readString(input), AIService.class);
    StringBuilder rendered = new StringBuilder();
    for (HasMetadata object : WorkloadBuilder.build(ai, OperatorConfig.defaults()).objects()) {
      rendered.append(Serialization.asYaml(object));
    }
    Path golden = DIR.resolve(app + ".yaml");
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(golden, rendered);
      // an update run never passes: the new file is to be reviewed, then the test run again without the flag
      throw new AssertionError("golden file written: review the diff of " + golden + ", then run again without -Dgolden.update");
    }
    assertThat(golden).as("golden file missing: run with -Dgolden.update=true, review and commit " + golden).exists();
    assertThat(rendered.toString()).isEqualTo(Files.readString(golden));
  }
}
