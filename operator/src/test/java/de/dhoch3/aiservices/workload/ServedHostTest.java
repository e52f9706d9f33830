package de.dhoch3.aiservices.workload;

import static org.assertj.core.api.Assertions.assertThat;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.ExposeSpec;
import de.dhoch3.aiservices.apps.AppTranslationTest;
import de.dhoch3.aiservices.config.OperatorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The host and path an AIService serves, for the one-host-one-app rule. Expectations from DNS (names
 * compare without case, a trailing dot is the same name) and from Kubernetes' Ingress Prefix
 * matching (networking/v1 types.go PathTypePrefix: element-wise, /foo matches /foo/bar, not /foobar).
 */
class ServedHostTest {
  private static AIService withIngress(String host, String path) {
    AIService ai = AppTranslationTest.aiservice(App.COMFYUI);
    ai.getSpec().expose = new ExposeSpec();
    ai.getSpec().expose.ingress = new ExposeSpec.IngressExpose();
    ai.getSpec().expose.ingress.host = host;
    ai.getSpec().expose.ingress.path = path;
    return ai;
  }

  @Test
  void theHostComparesWithoutCaseOrTrailingDotAndDefaultsToNameDotDomain() {
    assertThat(ServedHost.of(withIngress("Render.Studio.Example.com.", null), OperatorConfig.defaults()))
        .contains(new ServedHost("render.studio.example.com", "/"));
    OperatorConfig withDomain = OperatorConfig.defaults();
    withDomain.ingress.domain = "studio.example.com";
    assertThat(ServedHost.of(withIngress(null, "/app"), withDomain)).contains(new ServedHost("comfyui.studio.example.com", "/app"));
    // no host and no domain: nothing served (the builder refuses it); no ingress: nothing
    assertThat(ServedHost.of(withIngress(" ", null), OperatorConfig.defaults())).isEmpty();
    assertThat(ServedHost.of(AppTranslationTest.aiservice(App.COMFYUI), OperatorConfig.defaults())).isEmpty();
  }

  @Test
  void aWildcardCoversOneLabel() {
    assertThat(new ServedHost("a.studio.example.com", "/").coveringWildcard()).isEqualTo("*.studio.example.com");
    assertThat(new ServedHost("*.studio.example.com", "/").coveringWildcard()).isNull();
    assertThat(new ServedHost("localhost", "/").coveringWildcard()).isNull();
  }

  @ParameterizedTest
  @CsvSource({"/, /anything, true", "/app, /app, true", "/app, /app/, true", "/app, /app/x, true", "/app/x, /app, true",
      "/app, /apple, false", "/a, /b, false", "/app/, /apple, false"})
  void prefixPathsOverlapElementWise(String a, String b, boolean overlap) {
    assertThat(new ServedHost("h", a).pathsOverlap(new ServedHost("h", b))).isEqualTo(overlap);
    assertThat(new ServedHost("h", b).pathsOverlap(new ServedHost("h", a))).isEqualTo(overlap);
  }
}
