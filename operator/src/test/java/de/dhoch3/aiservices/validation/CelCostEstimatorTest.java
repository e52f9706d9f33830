package de.dhoch3.aiservices.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The API server estimates every CEL rule's worst-case cost when the CRD is written and refuses the
 * CRD above 10^7 per rule or 10^8 in total. Runs in {@code mvn verify}: an over-budget CRD fails the build.
 *
 * <p>The expected figures are worked out by hand from cel-go's cost model (see {@link CelCostEstimator})
 * for our rule {@code !self.matches('(^|/)[.][.](/|$)')}:
 * {@code cost = 1 (!) + 1 (self) + ceil((size(self) + 1) * 0.1) * ceil(16 * 0.25)}, the regex having
 * 16 characters, so {@code ceil(16 * 0.25) = 4}.
 */
class CelCostEstimatorTest {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final String NO_DOTDOT = "!self.matches('(^|/)[.][.](/|$)')";

  private static JsonNode yaml(String text) throws Exception {
    return YAML.readTree(text);
  }

  /** A list of {path: string} items, the string carrying our '..' rule. */
  private static JsonNode pathList(String listBounds, String stringBounds) throws Exception {
    return yaml("""
        type: object
        properties:
          paths:
            type: array
            %s
            items:
              type: object
              required: [path]
              properties:
                path:
                  type: string
                  %s
                  x-kubernetes-validations:
                  - rule: "%s"
        """.formatted(listBounds, stringBounds, NO_DOTDOT));
  }

  @Test
  void theCheckedInCrdIsWithinTheApiServersBudget() throws Exception {
    Path crdFile = Path.of(System.getProperty("repo.root", ".."), "crds", "aiservices.ai.dhoch3.de-v1.yml");
    JsonNode crd = YAML.readTree(Files.readString(crdFile));

    CelCostEstimator.requireWithinLimits(crd); // what mvn verify relies on
    CelCostEstimator.Estimate estimate = CelCostEstimator.estimateCrd(crd).get("v1alpha1");
    assertThat(estimate.problems()).isEmpty();
    assertThat(estimate.rules()).allSatisfy(r -> assertThat(r.cost()).isLessThanOrEqualTo(CelCostEstimator.STATIC_ESTIMATED_COST_LIMIT));
    assertThat(estimate.total()).isLessThanOrEqualTo(CelCostEstimator.STATIC_ESTIMATED_CRD_COST_LIMIT);
    // every rule of the CRD was estimated: 5 on spec, 1 on ingress, 3 x (1 + 2) on storage, 3 on models
    assertThat(estimate.rules()).hasSize(18);

    // spec.models.extraPaths: maxItems 64 of path maxLength 1024, see boundedStringInABoundedList
    assertThat(estimate.rule("spec.models.extraPaths[*].path").cost()).isEqualTo(105_088);
    // storage paths are no list: maxLength 1024 alone, 1642 (see below) times 1
    assertThat(estimate.rule("spec.storage.models.hostPath").cost()).isEqualTo(1_642);
  }

  @Test
  void theAIModelCrdIsWithinTheApiServersBudgetToo() throws Exception {
    Path crdFile = Path.of(System.getProperty("repo.root", ".."), "crds", "aimodels.ai.dhoch3.de-v1.yml");
    JsonNode crd = YAML.readTree(Files.readString(crdFile));
    CelCostEstimator.requireWithinLimits(crd);
    CelCostEstimator.Estimate estimate = CelCostEstimator.estimateCrd(crd).get("v1alpha1");
    assertThat(estimate.problems()).isEmpty();
    // the source's one-of, the civitai file name, and the store reference's 1 + 2
    assertThat(estimate.rules()).as("exactly one source, civitai needs a name, category unless a whole repository, an upload names its file,"
        + " no user-info, no IP address, and three more").hasSize(9);
    assertThat(estimate.total()).isLessThanOrEqualTo(CelCostEstimator.STATIC_ESTIMATED_CRD_COST_LIMIT);
  }

  @Test
  void anUnboundedStringInAnUnboundedListIsRefused() throws Exception {
    CelCostEstimator.Estimate estimate = CelCostEstimator.estimate(pathList("", ""));
    CelCostEstimator.RuleCost rule = estimate.rule("paths[*].path");

    // no maxLength: size(self) = 3 MiB - 2 = 3,145,726 (the request limit minus the quotes)
    // one evaluation: 2 + ceil(3,145,727 * 0.1) * 4 = 2 + 314,573 * 4 = 1,258,294
    assertThat(rule.evaluationCost()).isEqualTo(1_258_294);
    // no maxItems above: as many minimal strings ("" = 2 bytes, plus a comma) as fit in 3 MiB:
    // 3,145,728 / 3 = 1,048,576
    assertThat(rule.cardinality()).isEqualTo(1_048_576);
    // 1,258,294 * 1,048,576 = 1,319,416,889,344 (about 1.3 * 10^12), 131,941 times the per-rule limit
    assertThat(rule.cost()).isEqualTo(1_319_416_889_344L);
    assertThat(rule.cost()).isGreaterThan(CelCostEstimator.STATIC_ESTIMATED_COST_LIMIT);
    assertThat(estimate.problems()).hasSize(2) // the rule, and so the CRD total (over 10^8)
        .first().asString().contains("paths[*].path").contains("over the per-rule limit");
  }

  @Test
  void theCrdWithoutBoundsWouldBeRefused() throws Exception {
    // what crds/ held before the bounds: models.extraPaths without maxItems, path without maxLength
    JsonNode crd = yaml("""
        spec:
          versions:
          - name: v1alpha1
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      models:
                        type: object
                        properties:
                          extraPaths:
                            type: array
                            items:
                              type: object
                              required: [category, path]
                              properties:
                                category: {type: string}
                                path:
                                  type: string
                                  x-kubernetes-validations:
                                  - rule: "%s"
        """.formatted(NO_DOTDOT));
    assertThatThrownBy(() -> CelCostEstimator.requireWithinLimits(crd))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("spec.models.extraPaths[*].path")
        .hasMessageContaining("1319416889344");
  }

  @Test
  void anUnboundedStringOutsideListsStaysWithinTheRuleLimit() throws Exception {
    JsonNode schema = yaml("""
        type: object
        properties:
          hostPath:
            type: string
            x-kubernetes-validations:
            - rule: "%s"
        """.formatted(NO_DOTDOT));
    // 1,258,294 (see above) times 1: under 10^7, so only the lists made the old CRD fail
    assertThat(CelCostEstimator.estimate(schema).rule("hostPath").cost()).isEqualTo(1_258_294);
  }

  @Test
  void boundedStringInABoundedList() throws Exception {
    CelCostEstimator.RuleCost rule = CelCostEstimator.estimate(pathList("maxItems: 64", "maxLength: 1024")).rule("paths[*].path");

    // maxLength counts code points, the server sizes bytes: 1024 * 4 = 4096
    // one evaluation: 2 + ceil(4097 * 0.1) * 4 = 2 + 410 * 4 = 1,642
    assertThat(rule.evaluationCost()).isEqualTo(1_642);
    // the list's maxItems is the cardinality: 1,642 * 64 = 105,088
    assertThat(rule.cardinality()).isEqualTo(64);
    assertThat(rule.cost()).isEqualTo(105_088);
  }

  @Test
  void otherShapesOurRulesUse() throws Exception {
    JsonNode object = yaml("""
        type: object
        required: [app]
        properties:
          app: {type: string, enum: [comfyui, custom, ai-toolkit]}
          image: {type: string}
          hostPath: {type: string}
          claimName: {type: string}
          tags: {type: array, maxItems: 10, items: {type: string, maxLength: 5}}
        """);
    // self.app: 1 + 1 (select on an object); != 'custom': ceil(min(10 (longest enum), 6) * 0.1) = 1
    // has(self.image): 1 + 1; || adds nothing of its own: 3 + 2 = 5
    assertThat(CelCostEstimator.evaluationCost("self.app != 'custom' || has(self.image)", object)).isEqualTo(5);
    // two has() (2 each) compared as booleans (size 1): 2 + 2 + ceil(1 * 0.1) = 5
    assertThat(CelCostEstimator.evaluationCost("has(self.hostPath) != has(self.claimName)", object)).isEqualTo(5);
    // all over maxItems 10: range self.tags 2, result 1, per item @not_strictly_false(r) 2 + (r 1 && startsWith:
    // x 1 + ceil(len('a') * 0.1) = 2) = 5: 2 + 1 + 10 * 5 = 53
    assertThat(CelCostEstimator.evaluationCost("self.tags.all(x, x.startsWith('a'))", object)).isEqualTo(53);
  }

  @Test
  void anUnknownFunctionFailsNamingTheRule() throws Exception {
    JsonNode string = yaml("{type: string, maxLength: 10}");
    assertThatThrownBy(() -> CelCostEstimator.evaluationCost("self.lowerAscii() == 'a'", string))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("self.lowerAscii() == 'a'")
        .hasMessageContaining("lowerAscii");
  }
}
