package de.dhoch3.aiservices.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import de.dhoch3.aiservices.api.AIService;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks an AIService manifest the way the API server does at admission, offline: the generated
 * CRD's openAPIV3Schema (JSON Schema draft 4 via networknt) and its x-kubernetes-validations CEL
 * rules (via cel-java). Unknown fields under spec are reported too: the API server would drop
 * them silently, which hides typos like {@code gpu.cout}.
 */
public final class CrdSchemaValidator {
  private static final String CRD_RESOURCE = "META-INF/fabric8/" + AIService.CRD_NAME + "-v1.yml";
  private static final String NAME_PATTERN = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
  private static volatile CrdSchemaValidator instance;

  private final JsonNode openApiSchema;
  private final Schema schema;
  private final CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("self", SimpleType.DYN)
      .build();
  private final CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().build();
  private final Map<String, CelRuntime.Program> programs = new ConcurrentHashMap<>();

  CrdSchemaValidator(JsonNode crd) {
    JsonNode version = null;
    for (JsonNode candidate : crd.path("spec").path("versions")) {
      if (AIService.VERSION.equals(candidate.path("name").asText())) {
        version = candidate;
      }
    }
    if (version == null) {
      throw new IllegalStateException("the CRD has no version " + AIService.VERSION);
    }
    this.openApiSchema = version.path("schema").path("openAPIV3Schema");
    this.schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(openApiSchema);
  }

  /** The validator for the CRD this build generated (on the classpath), loaded once. */
  public static CrdSchemaValidator fromClasspath() {
    if (instance == null) {
      synchronized (CrdSchemaValidator.class) {
        if (instance == null) {
          try (InputStream in = CrdSchemaValidator.class.getClassLoader().getResourceAsStream(CRD_RESOURCE)) {
            if (in == null) {
              throw new IllegalStateException(CRD_RESOURCE + " is missing from the classpath");
            }
            instance = new CrdSchemaValidator(new YAMLMapper().readTree(in));
          } catch (IOException e) {
            throw new IllegalStateException("cannot read " + CRD_RESOURCE, e);
          }
        }
      }
    }
    return instance;
  }

  public List<SpecProblem> validate(JsonNode manifest) {
    List<SpecProblem> problems = new ArrayList<>();
    String apiVersion = manifest.path("apiVersion").asText();
    if (!(AIService.GROUP + "/" + AIService.VERSION).equals(apiVersion)) {
      problems.add(new SpecProblem("apiVersion", "'" + apiVersion + "' is not served; use " + AIService.GROUP + "/" + AIService.VERSION));
    }
    if (!"AIService".equals(manifest.path("kind").asText())) {
      problems.add(new SpecProblem("kind", "must be AIService"));
    }
    String name = manifest.path("metadata").path("name").asText("");
    if (name.isEmpty()) {
      problems.add(new SpecProblem("metadata.name", "required: the AIService needs a name"));
    } else if (name.length() > 253 || !name.matches(NAME_PATTERN)) {
      problems.add(new SpecProblem("metadata.name", "'" + name + "' must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"));
    }
    if (!manifest.has("spec")) {
      problems.add(new SpecProblem("spec", "required: at least spec.app"));
      return problems;
    }
    for (Error error : schema.validate(manifest)) {
      problems.add(new SpecProblem(field(error), message(error)));
    }
    unknownFields(openApiSchema.path("properties").path("spec"), manifest.get("spec"), "spec", problems);
    // like the API server, report rule failures together with schema errors
    celRules(openApiSchema.path("properties").path("spec"), manifest.get("spec"), "spec", problems);
    return problems;
  }

  /** "spec.models.files[0].source", as kubectl names fields. */
  private static String field(Error error) {
    StringBuilder path = new StringBuilder();
    var location = error.getInstanceLocation();
    for (int i = 0; i < location.getNameCount(); i++) {
      Object element = location.getElement(i);
      if (element instanceof Integer index) {
        path.append('[').append(index).append(']');
      } else {
        path.append(path.length() == 0 ? "" : ".").append(element);
      }
    }
    String field = path.toString();
    if (error.getProperty() != null && "required".equals(error.getKeyword())) {
      field = field.isEmpty() ? error.getProperty() : field + "." + error.getProperty();
    }
    return field.isEmpty() ? "(root)" : field;
  }

  private static String message(Error error) {
    String message = error.getMessage();
    String location = error.getInstanceLocation().toString();
    if (message.startsWith(location + ": ")) {
      message = message.substring(location.length() + 2);
    } else if (message.startsWith(location + " ")) {
      message = message.substring(location.length() + 1);
    }
    if ("enum".equals(error.getKeyword()) && error.getSchemaNode() != null) {
      List<String> allowed = new ArrayList<>();
      error.getSchemaNode().forEach(v -> allowed.add(v.asText()));
      return "'" + error.getInstanceNode().asText() + "' is not supported; use one of " + String.join(", ", allowed);
    }
    return message;
  }

  private static void unknownFields(JsonNode schemaNode, JsonNode value, String path, List<SpecProblem> problems) {
    if (value == null || schemaNode.isMissingNode() || schemaNode.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      return;
    }
    if (value.isObject()) {
      JsonNode properties = schemaNode.get("properties");
      JsonNode additional = schemaNode.get("additionalProperties");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (properties != null && properties.has(field.getKey())) {
          unknownFields(properties.get(field.getKey()), field.getValue(), path + "." + field.getKey(), problems);
        } else if (additional != null && additional.isObject()) {
          unknownFields(additional, field.getValue(), path + "." + field.getKey(), problems);
        } else if (properties != null) {
          List<String> known = new ArrayList<>();
          properties.fieldNames().forEachRemaining(known::add);
          problems.add(new SpecProblem(path + "." + field.getKey(), "unknown field; known fields here: " + String.join(", ", known)));
        }
      }
    } else if (value.isArray() && schemaNode.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        unknownFields(schemaNode.get("items"), value.get(i), path + "[" + i + "]", problems);
      }
    }
  }

  private void celRules(JsonNode schemaNode, JsonNode value, String path, List<SpecProblem> problems) {
    if (value == null || value.isNull() || schemaNode.isMissingNode()) {
      return;
    }
    for (JsonNode rule : schemaNode.path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      try {
        Object result = program(expression).eval(Map.of("self", toCel(value)));
        if (!Boolean.TRUE.equals(result)) {
          problems.add(new SpecProblem(path, rule.path("message").asText("failed rule: " + expression)));
        }
      } catch (CelEvaluationException e) {
        problems.add(new SpecProblem(path, rule.path("message").asText("failed rule: " + expression)));
      }
    }
    if (value.isObject()) {
      JsonNode properties = schemaNode.path("properties");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        JsonNode child = properties.has(field.getKey()) ? properties.get(field.getKey()) : schemaNode.path("additionalProperties");
        celRules(child, field.getValue(), path + "." + field.getKey(), problems);
      }
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        celRules(schemaNode.path("items"), value.get(i), path + "[" + i + "]", problems);
      }
    }
  }

  private CelRuntime.Program program(String expression) {
    return programs.computeIfAbsent(expression, rule -> {
      try {
        CelAbstractSyntaxTree ast = compiler.compile(rule).getAst();
        return runtime.createProgram(ast);
      } catch (CelValidationException | CelEvaluationException e) {
        // a rule that does not compile is a bug in our CRD: the tests catch it
        throw new IllegalStateException("CRD rule does not compile: " + rule + ": " + e.getMessage(), e);
      }
    });
  }

  /** JSON as CEL sees it: maps, lists, strings, int64, double, bool. */
  private static Object toCel(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> {
        if (!e.getValue().isNull()) {
          map.put(e.getKey(), toCel(e.getValue()));
        }
      });
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(item -> list.add(toCel(item)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }
}
