package de.dhoch3.aiservices.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import de.dhoch3.aiservices.api.AIService;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks an AIService manifest the way the API server does at admission, offline: the generated
 * CRD's openAPIV3Schema (JSON Schema draft 4 via networknt) and its x-kubernetes-validations CEL
 * rules (via cel-java). Unknown fields under spec are reported too: the API server would drop
 * them silently, which hides typos like {@code gpu.cout}.
 *
 * <p>Immutable after construction and safe to share between threads; every CEL rule is compiled
 * up front, so a rule that does not compile fails {@link #fromClasspath()} (and so every test).
 */
public final class CrdSchemaValidator {
  private static final String CRD_RESOURCE = "META-INF/fabric8/" + AIService.CRD_NAME + "-v1.yml";
  private static final String API_VERSION = AIService.GROUP + "/" + AIService.VERSION;
  /** The name also names the Service, so it must be a DNS-1035 label, stricter than the API server's subdomain. */
  private static final String SERVICE_NAME = "[a-z]([-a-z0-9]{0,61}[a-z0-9])?";
  private static final ObjectMapper JSON = new ObjectMapper();
  // cel-go (the API server) compares int with double; cel-java only when asked
  private static final CelOptions CEL_OPTIONS = CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
  private static volatile CrdSchemaValidator instance;

  private final JsonNode openApiSchema;
  private final String servedKind;
  private final Schema schema;
  /** Compiled rules and messageExpressions by their source text. */
  private final Map<String, CelRuntime.Program> programs;

  /** From a whole CustomResourceDefinition (YAML or JSON tree); compiles every rule or throws. */
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
    this.servedKind = crd.path("spec").path("names").path("kind").asText("AIService");
    this.openApiSchema = version.path("schema").path("openAPIV3Schema");
    this.schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(openApiSchema);
    this.programs = compileRules(openApiSchema);
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

  /** Same as {@link #validate(JsonNode)} for a manifest read into plain maps and lists (e.g. by SnakeYAML). */
  public List<SpecProblem> validate(Map<String, ?> manifest) {
    JsonNode tree = JSON.valueToTree(manifest);
    return validate(tree);
  }

  /** Everything the API server (plus our unknown-field and name checks) would refuse; empty when admitted. */
  public List<SpecProblem> validate(JsonNode manifest) {
    List<SpecProblem> problems = new ArrayList<>();
    String apiVersion = manifest.path("apiVersion").asText();
    if (!API_VERSION.equals(apiVersion)) {
      problems.add(new SpecProblem("apiVersion", "'" + apiVersion + "' is not served; use " + API_VERSION));
    }
    String kind = manifest.path("kind").asText();
    if (!servedKind.equals(kind)) {
      problems.add(new SpecProblem("kind", "'" + kind + "' is not served by this CRD; use " + servedKind));
    }
    String name = manifest.path("metadata").path("name").asText("");
    if (name.isEmpty()) {
      problems.add(new SpecProblem("metadata.name", "required: the AIService needs a name"));
    } else if (!name.matches(SERVICE_NAME)) {
      problems.add(new SpecProblem("metadata.name", "'" + name + "' must be a DNS label (lowercase letters, digits and '-',"
          + " starting with a letter, at most 63 characters) because it names the Service"));
    }
    JsonNode namespace = manifest.path("metadata").path("namespace");
    if (!namespace.isMissingNode() && !namespace.isNull()
        && (!namespace.isTextual() || !namespace.asText().matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"))) {
      // the API server refuses such a namespace (a DNS label) before anything else
      problems.add(new SpecProblem("metadata.namespace", "'" + namespace.asText() + "' is not a namespace name: lowercase letters,"
          + " digits and '-', at most 63 characters, e.g. studio"));
    }
    if (!manifest.has("spec")) {
      problems.add(new SpecProblem("spec", "required: at least spec.app"));
      return problems;
    }
    outOfRange(manifest.get("spec"), "spec", problems);
    problems.addAll(schemaProblems(manifest));
    unknownFields(openApiSchema.path("properties").path("spec"), manifest.get("spec"), "spec", problems);
    manifest.fieldNames().forEachRemaining(top -> {
      if (!List.of("apiVersion", "kind", "metadata", "spec", "status").contains(top)) {
        problems.add(new SpecProblem(top, "unknown field: a " + servedKind + " has apiVersion, kind, metadata and spec"
            + " (kubectl's strict validation refuses it); remove it"));
      }
    });
    // like the API server, report rule failures together with schema errors
    List<SpecProblem> found = List.copyOf(problems);
    celRules(openApiSchema, manifest, "", found, problems);
    return problems;
  }

  /**
   * Whole numbers beyond 64 bits: the API server's JSON decoding keeps integers as int64, so a
   * larger one is no integer there and the schema refuses it; named here by field, never as a
   * parser's message.
   */
  private static void outOfRange(JsonNode value, String path, List<SpecProblem> problems) {
    if (value == null) {
      return;
    }
    if (value.isBigInteger() && !value.canConvertToLong()) {
      problems.add(new SpecProblem(path, "'" + value.asText() + "' is too large: Kubernetes whole numbers are 64-bit"
          + " (at most 9223372036854775807); give a smaller number"));
    } else if (value.isObject()) {
      value.fields().forEachRemaining(e -> outOfRange(e.getValue(), child(path, e.getKey()), problems));
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        outOfRange(value.get(i), path + "[" + i + "]", problems);
      }
    }
  }

  // ---- openAPIV3Schema -------------------------------------------------------------------------

  private List<SpecProblem> schemaProblems(JsonNode manifest) {
    List<SpecProblem> problems = new ArrayList<>();
    for (Error error : schema.validate(manifest)) {
      String field = field(error);
      SpecProblem problem = new SpecProblem(field, message(error));
      // int-or-string is an anyOf: one "must be X" per alternative; say it once
      SpecProblem last = problems.isEmpty() ? null : problems.get(problems.size() - 1);
      if ("type".equals(error.getKeyword()) && last != null && last.field().equals(field) && last.message().startsWith("must be ")) {
        problem = new SpecProblem(field, last.message().replaceFirst(" \\(got", " or " + error.getSchemaNode().asText() + " (got"));
        problems.set(problems.size() - 1, problem);
      } else {
        problems.add(problem);
      }
    }
    return problems;
  }

  /** "spec.models.files[0].source", as kubectl names fields; a missing property is named itself. */
  private static String field(Error error) {
    String field = path(error.getInstanceLocation());
    if ("required".equals(error.getKeyword()) && error.getProperty() != null) {
      field = field.isEmpty() ? error.getProperty() : field + "." + error.getProperty();
    }
    return field.isEmpty() ? "(root)" : field;
  }

  private static String path(NodePath location) {
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < location.getNameCount(); i++) {
      Object element = location.getElement(i);
      if (element instanceof Integer index) {
        path.append('[').append(index).append(']');
      } else {
        path.append(path.length() == 0 ? "" : ".").append(element);
      }
    }
    return path.toString();
  }

  /** What is wrong and what is allowed, in the words of the field's own schema where it has some. */
  private String message(Error error) {
    JsonNode value = error.getInstanceNode();
    JsonNode limit = error.getSchemaNode();
    JsonNode fieldSchema = fieldSchema(error);
    return switch (error.getKeyword()) {
      case "enum" -> "'" + value.asText() + "' is not supported; use one of " + join(limit);
      case "minimum" -> value + " is too small; the minimum is " + number(limit);
      case "maximum" -> value + " is too large; the maximum is " + number(limit);
      case "pattern" -> "'" + value.asText() + "' must match " + limit.asText() + hint(fieldSchema);
      case "type" -> "must be " + limit.asText() + " (got " + error.getArguments()[0] + ")";
      case "required" -> {
        JsonNode missing = fieldSchema.path("properties").path(error.getProperty());
        yield missing.has("enum") ? "required; use one of " + join(missing.get("enum")) : "required" + hint(missing);
      }
      default -> error.getMessage();
    };
  }

  /** The schema holding the failed keyword: its location minus the keyword itself. */
  private JsonNode fieldSchema(Error error) {
    NodePath keyword = error.getSchemaLocation().getFragment();
    JsonNode node = openApiSchema;
    for (int i = 0; i < keyword.getNameCount() - 1; i++) {
      Object element = keyword.getElement(i);
      node = node.isArray() ? node.path(Integer.parseInt(element.toString())) : node.path(element.toString());
    }
    return node;
  }

  private static String hint(JsonNode fieldSchema) {
    String description = fieldSchema.path("description").asText("");
    return description.isEmpty() ? "" : " (" + description + ")";
  }

  private static String join(JsonNode values) {
    List<String> texts = new ArrayList<>();
    values.forEach(v -> texts.add(v.asText()));
    return String.join(", ", texts);
  }

  /** 16.0 in the CRD means 16 for an integer field. */
  private static String number(JsonNode limit) {
    return limit.decimalValue().stripTrailingZeros().toPlainString();
  }

  // ---- unknown fields --------------------------------------------------------------------------

  /** The API server prunes unknown fields silently; here they are errors, naming the known ones. */
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
        } else if (properties != null && additional == null) {
          List<String> known = new ArrayList<>();
          properties.fieldNames().forEachRemaining(known::add);
          problems.add(new SpecProblem(path + "." + field.getKey(), "unknown field; known fields: " + String.join(", ", known)));
        }
      }
    } else if (value.isArray() && schemaNode.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        unknownFields(schemaNode.get("items"), value.get(i), path + "[" + i + "]", problems);
      }
    }
  }

  // ---- x-kubernetes-validations (CEL) ----------------------------------------------------------

  private static Map<String, CelRuntime.Program> compileRules(JsonNode openApiSchema) {
    CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
        .setOptions(CEL_OPTIONS)
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        // the API server's CEL environment has these cel-go extensions too
        .addLibraries(CelExtensions.strings(), CelExtensions.sets(CEL_OPTIONS))
        .addVar("self", SimpleType.DYN)
        .build();
    CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder()
        .setOptions(CEL_OPTIONS)
        .addLibraries(CelExtensions.strings(), CelExtensions.sets(CEL_OPTIONS))
        .build();
    Map<String, CelRuntime.Program> programs = new HashMap<>();
    forEachSchema(openApiSchema, "", (path, schemaNode) -> {
      for (JsonNode rule : schemaNode.path("x-kubernetes-validations")) {
        compile(compiler, runtime, path, rule.path("rule").asText(), SimpleType.BOOL, programs);
        if (rule.hasNonNull("messageExpression")) {
          compile(compiler, runtime, path, rule.get("messageExpression").asText(), SimpleType.STRING, programs);
        }
      }
    });
    return Map.copyOf(programs);
  }

  /** A rule that does not compile is a bug in our CRD (the API server would refuse the CRD). */
  private static void compile(CelCompiler compiler, CelRuntime runtime, String path, String expression, CelType expected,
      Map<String, CelRuntime.Program> programs) {
    if (programs.containsKey(expression)) {
      return;
    }
    String where = "CRD rule at " + (path.isEmpty() ? "(root)" : path) + " ";
    try {
      CelAbstractSyntaxTree ast = compiler.compile(expression).getAst();
      CelType type = ast.getResultType();
      if (!type.equals(expected) && !type.equals(SimpleType.DYN)) {
        throw new IllegalStateException(where + "must evaluate to " + expected.name() + ", not " + type.name() + ": " + expression);
      }
      programs.put(expression, runtime.createProgram(ast));
    } catch (CelValidationException | CelEvaluationException e) {
      throw new IllegalStateException(where + "does not compile: " + expression + "\n" + e.getMessage(), e);
    }
  }

  private interface SchemaVisitor {
    void visit(String path, JsonNode schemaNode);
  }

  /** Every subschema under properties, additionalProperties and items, with a field path ("[*]" for items). */
  private static void forEachSchema(JsonNode schemaNode, String path, SchemaVisitor visitor) {
    visitor.visit(path, schemaNode);
    schemaNode.path("properties").fields()
        .forEachRemaining(e -> forEachSchema(e.getValue(), child(path, e.getKey()), visitor));
    if (schemaNode.path("additionalProperties").isObject()) {
      forEachSchema(schemaNode.get("additionalProperties"), child(path, "*"), visitor);
    }
    if (schemaNode.has("items")) {
      forEachSchema(schemaNode.get("items"), path + "[*]", visitor);
    }
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /**
   * Runs the rules of each schema with self = the value there. Absent values skip their rules and
   * so do values of the wrong type (the schema error says it), as in the API server.
   */
  private void celRules(JsonNode schemaNode, JsonNode value, String path, List<SpecProblem> schemaProblems,
      List<SpecProblem> problems) {
    if (value == null || value.isNull() || schemaNode.isMissingNode() || !hasSchemaType(schemaNode, value)) {
      return;
    }
    for (JsonNode rule : schemaNode.path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      String field = (path + rule.path("fieldPath").asText("")).replaceFirst("^\\.", "");
      Map<String, Object> self = Map.of("self", toCel(value));
      try {
        if (!Boolean.TRUE.equals(programs.get(expression).eval(self))) {
          problems.add(new SpecProblem(field, ruleMessage(rule, self)));
        }
      } catch (CelEvaluationException e) {
        // mostly "no such key" on a field whose absence the schema already reported
        if (schemaProblems.stream().noneMatch(p -> within(p.field(), path))) {
          problems.add(new SpecProblem(field, "cannot check rule '" + expression + "': " + e.getMessage()));
        }
      }
    }
    if (value.isObject()) {
      JsonNode properties = schemaNode.path("properties");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        JsonNode child = properties.has(field.getKey()) ? properties.get(field.getKey()) : schemaNode.path("additionalProperties");
        celRules(child, field.getValue(), child(path, field.getKey()), schemaProblems, problems);
      }
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        celRules(schemaNode.path("items"), value.get(i), path + "[" + i + "]", schemaProblems, problems);
      }
    }
  }

  private static boolean within(String field, String path) {
    return path.isEmpty() || field.equals(path) || field.startsWith(path + ".") || field.startsWith(path + "[");
  }

  /** message, or messageExpression, or the API server's default "failed rule: ...". */
  private String ruleMessage(JsonNode rule, Map<String, Object> self) {
    if (rule.hasNonNull("messageExpression")) {
      try {
        Object message = programs.get(rule.get("messageExpression").asText()).eval(self);
        if (message instanceof String text && !text.isBlank()) {
          return text;
        }
      } catch (CelEvaluationException e) {
        // fall back as the API server does
      }
    }
    return rule.path("message").asText("failed rule: " + rule.path("rule").asText());
  }

  private static boolean hasSchemaType(JsonNode schemaNode, JsonNode value) {
    return switch (schemaNode.path("type").asText("")) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      default -> true; // no type: int-or-string or preserved unknown fields
    };
  }

  private static Object toCel(JsonNode node) {
    return CelValues.of(node);
  }
}
