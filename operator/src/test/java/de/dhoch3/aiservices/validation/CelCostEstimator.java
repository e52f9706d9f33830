package de.dhoch3.aiservices.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.parser.CelParser;
import dev.cel.parser.CelParserFactory;
import dev.cel.parser.CelStandardMacro;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Estimates the worst-case cost of every {@code x-kubernetes-validations} rule of a CRD the way the
 * API server does when the CRD is written, so that a CRD it would refuse fails our build instead of
 * {@code kubectl apply}. The API server refuses a CRD when one rule costs more than
 * {@link #STATIC_ESTIMATED_COST_LIMIT} or all rules of a version together more than
 * {@link #STATIC_ESTIMATED_CRD_COST_LIMIT}.
 *
 * <p>The model, as read in the upstream sources:
 * <ul>
 *   <li>google/cel-go {@code checker/cost.go} and {@code common/cost.go}: identifiers and field selects
 *       cost 1 (a select only on objects and maps), {@code has()} 1 plus its operand, constants 0,
 *       {@code &&}/{@code ||} the sum of both sides, {@code ?:} the condition plus the dearer branch,
 *       other functions 1 plus their arguments unless size dependent: {@code matches}
 *       {@code ceil((len+1)*0.1) * ceil(len(regex)*0.25)}, {@code contains}
 *       {@code ceil(len*0.1) * ceil(len(sub)*0.1)}, {@code startsWith}/{@code endsWith}
 *       {@code ceil(len(prefix)*0.1)}, {@code ==}/{@code !=} and string ordering
 *       {@code ceil(min(len a, len b)*0.1)}, string concatenation {@code ceil((len a + len b)*0.1)},
 *       {@code in} a list its size; comprehensions (the macros {@code all}, {@code exists}, ...)
 *       range, init and result once plus {@code size(range) * (condition + step)}.</li>
 *   <li>kubernetes/kubernetes {@code staging/src/k8s.io/apiserver/pkg/cel/common/schemas.go} and
 *       {@code staging/src/k8s.io/apiserver/pkg/cel/types.go}, {@code limits.go}: the size of a value
 *       reached from {@code self} is its schema's maximum: 4 × {@code maxLength} for strings
 *       (maxLength counts code points, the estimate bytes), the longest enum value, or
 *       3 MiB − 2 unbounded; {@code maxItems}/{@code maxProperties}, or as many minimal elements as fit
 *       in a 3 MiB request ({@code (3 MiB − 2) / (minSize + 1)} items,
 *       {@code (3 MiB − 2) / (minSize + 6)} properties); minimal serialized sizes: string 2, number 1,
 *       boolean 4, list/map 2, object 2 plus each required property without default
 *       ({@code len(name) + its size + 4}); other scalars and objects have size 0 there.</li>
 *   <li>kubernetes/kubernetes {@code staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation/validation.go}
 *       and {@code cel_validation.go}, {@code .../pkg/apiserver/schema/cel/compilation.go}: a rule's cost
 *       is multiplied by the product of {@code maxItems}/{@code maxProperties} of the lists and maps
 *       above it; when one of them is unbounded, by {@code 3 MiB / (minSize(self) + 1)} instead.
 *       A messageExpression counts once, not multiplied. The limits are
 *       {@code StaticEstimatedCostLimit = 10000000} and {@code StaticEstimatedCRDCostLimit = 100000000}.</li>
 * </ul>
 *
 * <p>Where the API server's estimate is unclear or looks lower than the truth, this one is higher
 * (the global form {@code matches(s, re)} is priced like {@code s.matches(re)}, a map key is sized
 * like an unbounded string). A function or expression shape it does not know fails with an
 * {@link IllegalArgumentException} naming the rule, so a new rule cannot slip through unestimated.
 */
public final class CelCostEstimator {
  /** Largest estimated cost of one rule (times its cardinality) the API server accepts. */
  public static final long STATIC_ESTIMATED_COST_LIMIT = 10_000_000L;
  /** Largest estimated cost of all rules of one CRD version together. */
  public static final long STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000L;
  /** The request size the API server sizes unbounded strings, lists and maps from. */
  static final long MAX_REQUEST_SIZE_BYTES = 3L * 1024 * 1024;

  private static final double STRING_TRAVERSAL_COST_FACTOR = 0.1;
  private static final double REGEX_STRING_LENGTH_COST_FACTOR = 0.25;
  private static final long LIST_CREATE_BASE_COST = 10;
  private static final long MAP_CREATE_BASE_COST = 30;
  /** Costs and sizes saturate here (cel-go at 2^64 - 1); both are far above every limit. */
  private static final long UNBOUNDED = Long.MAX_VALUE;

  private static final CelParser PARSER = CelParserFactory.standardCelParserBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .build();

  private static final Set<String> CONSTANT_COST_FUNCTIONS = Set.of(
      "!_", "-_", "_-_", "_*_", "_/_", "_%_", "size", "_[_]", "int", "uint", "double", "dyn",
      "@not_strictly_false");
  private static final Set<String> ORDERING = Set.of("_<_", "_<=_", "_>_", "_>=_");

  private CelCostEstimator() {}

  /** One rule (or messageExpression) and what it costs. */
  public record RuleCost(String field, String expression, long evaluationCost, long cardinality, long cost) {
    public boolean overLimit() {
      return cost > STATIC_ESTIMATED_COST_LIMIT;
    }

    @Override
    public String toString() {
      return field + ": '" + expression + "' costs " + evaluationCost + " x " + cardinality + " = " + cost;
    }
  }

  /** Every rule of one openAPIV3Schema and their sum. */
  public record Estimate(List<RuleCost> rules, long total) {
    /** What the API server would refuse, one sentence each; empty when the schema is accepted. */
    public List<String> problems() {
      List<String> problems = new ArrayList<>();
      for (RuleCost rule : rules) {
        if (rule.overLimit()) {
          problems.add(rule + ", over the per-rule limit " + STATIC_ESTIMATED_COST_LIMIT
              + " (add maxLength/maxItems/maxProperties)");
        }
      }
      if (total > STATIC_ESTIMATED_CRD_COST_LIMIT) {
        problems.add("all rules together cost " + total + ", over the CRD limit " + STATIC_ESTIMATED_CRD_COST_LIMIT);
      }
      return problems;
    }

    public RuleCost rule(String field) {
      return rules.stream().filter(r -> r.field().equals(field)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no rule at " + field + " in " + rules));
    }
  }

  /** The estimate of each version of a whole CustomResourceDefinition, by version name. */
  public static Map<String, Estimate> estimateCrd(JsonNode crd) {
    Map<String, Estimate> estimates = new LinkedHashMap<>();
    for (JsonNode version : crd.path("spec").path("versions")) {
      JsonNode schema = version.path("schema").path("openAPIV3Schema");
      if (!schema.isMissingNode()) {
        estimates.put(version.path("name").asText(), estimate(schema));
      }
    }
    return estimates;
  }

  /** Throws naming every rule the API server would refuse the CRD for. */
  public static void requireWithinLimits(JsonNode crd) {
    List<String> problems = new ArrayList<>();
    estimateCrd(crd).forEach((version, estimate) ->
        estimate.problems().forEach(p -> problems.add(version + ": " + p)));
    if (!problems.isEmpty()) {
      throw new IllegalStateException("the API server would refuse this CRD (CEL cost):\n  " + String.join("\n  ", problems));
    }
  }

  /** Every rule of an openAPIV3Schema, with the cardinality the API server multiplies it by. */
  public static Estimate estimate(JsonNode openApiV3Schema) {
    List<RuleCost> rules = new ArrayList<>();
    walk(openApiV3Schema, "", 1L, true, rules);
    long total = 0;
    for (RuleCost rule : rules) {
      total = add(total, rule.cost());
    }
    return new Estimate(List.copyOf(rules), total);
  }

  /** The cost of one evaluation of a rule with {@code self} described by selfSchema (not multiplied). */
  public static long evaluationCost(String expression, JsonNode selfSchema) {
    Decl self = decl(selfSchema, false);
    if (self == null) {
      throw new IllegalArgumentException("rule '" + expression + "' sits on a schema CEL cannot see (no type)");
    }
    return new Walker(expression, self).cost();
  }

  // ---- the schema: where rules are and how often they run -------------------------------------

  /** @param cardinality how often this node can occur in one object; null when unbounded */
  private static void walk(JsonNode schema, String field, Long cardinality, boolean root, List<RuleCost> rules) {
    for (String combinator : List.of("allOf", "anyOf", "oneOf", "not")) {
      if (schema.has(combinator) && schema.get(combinator).toString().contains("x-kubernetes-validations")) {
        throw new IllegalArgumentException(field + ": rules under " + combinator + " are not estimated");
      }
    }
    JsonNode validations = schema.path("x-kubernetes-validations");
    if (validations.size() > 0) {
      Decl self = decl(schema, root);
      if (self == null) {
        throw new IllegalArgumentException((field.isEmpty() ? "(root)" : field) + ": rules on a schema CEL cannot see (no type)");
      }
      long times = cardinality != null ? cardinality : MAX_REQUEST_SIZE_BYTES / (self.minSize + 1);
      String where = field.isEmpty() ? "(root)" : field;
      for (JsonNode rule : validations) {
        String expression = rule.path("rule").asText();
        long cost = new Walker(expression, self).cost();
        rules.add(new RuleCost(where, expression, cost, times, multiply(cost, times)));
        if (rule.hasNonNull("messageExpression")) {
          String message = rule.get("messageExpression").asText();
          long messageCost = new Walker(message, self).cost();
          rules.add(new RuleCost(where + " (messageExpression)", message, messageCost, 1, messageCost));
        }
      }
    }
    Long childCardinality = cardinality == null ? null : times(cardinality, elementsPerChild(schema));
    schema.path("properties").fields().forEachRemaining(e ->
        walk(e.getValue(), field.isEmpty() ? e.getKey() : field + "." + e.getKey(), childCardinality, false, rules));
    if (schema.path("additionalProperties").isObject()) {
      walk(schema.get("additionalProperties"), field + ".*", childCardinality, false, rules);
    }
    if (schema.path("items").isObject()) {
      walk(schema.get("items"), field + "[*]", childCardinality, false, rules);
    }
  }

  /** How many children one occurrence of this node holds at most: 1 for objects, max items/properties, null unbounded. */
  private static Long elementsPerChild(JsonNode schema) {
    String type = schema.path("type").asText("");
    if ("array".equals(type)) {
      return schema.has("maxItems") ? Math.max(0, schema.get("maxItems").asLong()) : null;
    }
    if ("object".equals(type) && schema.has("additionalProperties")) {
      return schema.has("maxProperties") ? Math.max(0, schema.get("maxProperties").asLong()) : null;
    }
    return 1L;
  }

  private static Long times(long cardinality, Long factor) {
    return factor == null ? null : multiply(cardinality, factor);
  }

  /** The CEL type of a schema node as the API server declares it, with its size bounds. */
  private static final class Decl {
    final String kind; // string, bytes, duration, timestamp, dyn, bool, int, double, list, map, object
    /** The size the API server estimates for a value of this node (reached from self). */
    final long maxElements;
    final long minSize;
    final Map<String, Decl> fields;
    final Decl elem;

    Decl(String kind, long maxElements, long minSize, Map<String, Decl> fields, Decl elem) {
      this.kind = kind;
      this.maxElements = maxElements;
      this.minSize = minSize;
      this.fields = fields;
      this.elem = elem;
    }

    boolean isScalar() {
      return Set.of("bool", "int", "double", "duration", "timestamp").contains(kind);
    }
  }

  private static Decl decl(JsonNode s, boolean resourceRoot) {
    long unboundedString = MAX_REQUEST_SIZE_BYTES - 2;
    if (s.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return new Decl("dyn", s.has("maxLength") ? 4 * Math.max(0, s.get("maxLength").asLong()) : unboundedString, 1, null, null);
    }
    String type = s.path("type").asText("");
    switch (type) {
      case "array" -> {
        if (!s.path("items").isObject()) {
          return null;
        }
        Decl items = decl(s.get("items"), s.get("items").path("x-kubernetes-embedded-resource").asBoolean(false));
        if (items == null) {
          return null;
        }
        long max = s.has("maxItems") ? Math.max(0, s.get("maxItems").asLong()) : unboundedString / (items.minSize + 1);
        return new Decl("list", max, 2, null, items);
      }
      case "object" -> {
        JsonNode additional = s.path("additionalProperties");
        if (additional.isObject()) {
          Decl values = decl(additional, additional.path("x-kubernetes-embedded-resource").asBoolean(false));
          if (values == null) {
            return null;
          }
          long max = s.has("maxProperties") ? Math.max(0, s.get("maxProperties").asLong()) : unboundedString / (values.minSize + 6);
          return new Decl("map", max, 2, null, values);
        }
        Set<String> required = new java.util.HashSet<>();
        s.path("required").forEach(r -> required.add(r.asText()));
        Map<String, Decl> fields = new HashMap<>();
        long minSize = 2;
        for (var it = s.path("properties").fields(); it.hasNext(); ) {
          var property = it.next();
          Decl field = decl(property.getValue(), property.getValue().path("x-kubernetes-embedded-resource").asBoolean(false));
          if (field != null) {
            fields.put(property.getKey(), field);
            if (required.contains(property.getKey()) && !property.getValue().has("default")) {
              minSize += property.getKey().length() + field.minSize + 4;
            }
          }
        }
        if (resourceRoot) {
          // apiVersion, kind and metadata.name/generateName are always visible at a resource root (not required)
          Decl string = new Decl("string", unboundedString, 2, null, null);
          fields.putIfAbsent("apiVersion", string);
          fields.putIfAbsent("kind", string);
          fields.putIfAbsent("metadata", new Decl("object", 0, 2, Map.of("name", string, "generateName", string), null));
        }
        return new Decl("object", 0, minSize, fields, null);
      }
      case "string" -> {
        String format = s.path("format").asText("");
        return switch (format) {
          case "byte" -> new Decl("bytes", s.has("maxLength") ? Math.max(0, s.get("maxLength").asLong()) : unboundedString, 2, null, null);
          case "duration" -> new Decl("duration", 32, 3, null, null);
          case "date" -> new Decl("timestamp", 12, 12, null, null);
          case "date-time" -> new Decl("timestamp", 32, 21, null, null);
          default -> {
            long max;
            if (s.has("maxLength")) {
              max = 4 * Math.max(0, s.get("maxLength").asLong());
            } else if (s.path("enum").size() > 0) {
              max = 0;
              for (JsonNode value : s.get("enum")) {
                max = Math.max(max, value.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
              }
            } else {
              max = unboundedString;
            }
            yield new Decl("string", max, 2, null, null);
          }
        };
      }
      case "boolean" -> {
        return new Decl("bool", 0, 4, null, null);
      }
      case "number" -> {
        return new Decl("double", 0, 1, null, null);
      }
      case "integer" -> {
        return new Decl("int", 0, 1, null, null);
      }
      default -> {
        return null;
      }
    }
  }

  // ---- one expression ----------------------------------------------------------------------------

  /** What the walk knows of a subexpression: its type (null: unknown) and its size. */
  private record Value(Decl type, String kind, long size) {
    static Value of(Decl type) {
      return new Value(type, type.kind, type.maxElements);
    }

    static Value scalar(String kind) {
      return new Value(null, kind, 1);
    }
  }

  /** A subexpression's cost and value. */
  private record Costed(long cost, Value value) {}

  private static final class Walker {
    private final String expression;
    private final Decl self;
    private final Deque<Map.Entry<String, Value>> locals = new ArrayDeque<>();

    Walker(String expression, Decl self) {
      this.expression = expression;
      this.self = self;
    }

    long cost() {
      CelExpr ast;
      try {
        ast = PARSER.parse(expression).getAst().getExpr();
      } catch (CelValidationException e) {
        throw fail("does not parse: " + e.getMessage());
      }
      return walk(ast).cost();
    }

    private IllegalArgumentException fail(String why) {
      return new IllegalArgumentException("CEL cost of rule '" + expression + "': " + why);
    }

    private Costed walk(CelExpr e) {
      return switch (e.getKind()) {
        case CONSTANT -> new Costed(0, constant(e.constant()));
        case IDENT -> new Costed(1, ident(e.ident().name()));
        case SELECT -> select(e.select());
        case CALL -> call(e.call());
        case LIST -> list(e.list().elements());
        case MAP -> map(e.map().entries());
        case COMPREHENSION -> comprehension(e.comprehension());
        default -> throw fail("unsupported expression kind " + e.getKind());
      };
    }

    private Value constant(CelConstant constant) {
      return switch (constant.getKind()) {
        case STRING_VALUE -> new Value(null, "string", constant.stringValue().codePointCount(0, constant.stringValue().length()));
        case BYTES_VALUE -> new Value(null, "bytes", constant.bytesValue().size());
        case BOOLEAN_VALUE -> Value.scalar("bool");
        case INT64_VALUE -> Value.scalar("int");
        case UINT64_VALUE -> Value.scalar("uint");
        case DOUBLE_VALUE -> Value.scalar("double");
        case NULL_VALUE -> Value.scalar("null");
        default -> throw fail("unsupported constant " + constant.getKind());
      };
    }

    private Value ident(String name) {
      for (Map.Entry<String, Value> local : locals) {
        if (local.getKey().equals(name)) {
          return local.getValue();
        }
      }
      if ("self".equals(name) || "oldSelf".equals(name)) {
        return Value.of(self);
      }
      throw fail("unknown identifier '" + name + "'");
    }

    private Costed select(CelExpr.CelSelect select) {
      Costed operand = walk(select.operand());
      if (select.testOnly()) {
        return new Costed(add(operand.cost(), 1), Value.scalar("bool"));
      }
      Value of = operand.value();
      long cost = operand.cost();
      if ("object".equals(of.kind()) || "map".equals(of.kind())) {
        cost = add(cost, 1);
      }
      Decl field = null;
      if (of.type() != null && "object".equals(of.type().kind)) {
        field = of.type().fields.get(select.field());
        if (field == null) {
          throw fail("no field '" + select.field() + "' in the schema");
        }
      } else if (of.type() != null && "map".equals(of.type().kind)) {
        // the API server finds no size for map.key: scalars count 1, anything else unbounded
        Decl values = of.type().elem;
        return new Costed(cost, new Value(values, values.kind, values.isScalar() ? 1 : UNBOUNDED));
      } else {
        throw fail("cannot estimate '." + select.field() + "' on a " + of.kind());
      }
      return new Costed(cost, Value.of(field));
    }

    private Costed list(List<CelExpr> elements) {
      long cost = LIST_CREATE_BASE_COST;
      for (CelExpr element : elements) {
        cost = add(cost, walk(element).cost());
      }
      return new Costed(cost, new Value(null, "list", elements.size()));
    }

    private Costed map(List<CelExpr.CelMap.Entry> entries) {
      long cost = MAP_CREATE_BASE_COST;
      for (CelExpr.CelMap.Entry entry : entries) {
        cost = add(cost, add(walk(entry.key()).cost(), walk(entry.value()).cost()));
      }
      return new Costed(cost, new Value(null, "map", entries.size()));
    }

    private Costed comprehension(CelExpr.CelComprehension c) {
      if (c.iterVar2() != null && !c.iterVar2().isEmpty()) {
        throw fail("two-variable comprehensions are not estimated");
      }
      Costed range = walk(c.iterRange());
      if (range.value().type() == null) {
        throw fail("comprehensions over values not read from self are not estimated");
      }
      Costed init = walk(c.accuInit());
      long cost = add(range.cost(), init.cost());
      Decl rangeType = range.value().type();
      Value item = switch (rangeType.kind) {
        case "list" -> Value.of(rangeType.elem);
        // keys of a map: the API server sizes them 0; here like an unbounded string (over, not under)
        case "map" -> new Value(null, "string", MAX_REQUEST_SIZE_BYTES - 2);
        default -> throw fail("cannot iterate over a " + rangeType.kind);
      };
      locals.push(Map.entry(c.accuVar(), init.value()));
      locals.push(Map.entry(c.iterVar(), item));
      long perElement = add(walk(c.loopCondition()).cost(), walk(c.loopStep()).cost());
      locals.pop();
      Costed result = walk(c.result());
      locals.pop();
      cost = add(cost, result.cost());
      cost = add(cost, multiply(range.value().size(), perElement));
      Value value = switch (c.accuInit().getKind()) {
        case LIST, MAP -> new Value(null, init.value().kind(), range.value().size());
        default -> result.value();
      };
      return new Costed(cost, value);
    }

    private Costed call(CelExpr.CelCall call) {
      String function = call.function();
      List<Costed> args = new ArrayList<>();
      for (CelExpr arg : call.args()) {
        args.add(walk(arg));
      }
      long argCost = 0;
      for (Costed arg : args) {
        argCost = add(argCost, arg.cost());
      }
      Costed target = call.target().isPresent() ? walk(call.target().get()) : null;
      long targetCost = target == null ? 0 : target.cost();
      // the member and the global form of a string function: s.f(x) and f(s, x)
      Value receiver = target != null ? target.value() : args.isEmpty() ? null : args.get(0).value();
      Value argument = target != null ? (args.isEmpty() ? null : args.get(0).value()) : (args.size() > 1 ? args.get(1).value() : null);
      long cost;
      Value result;
      switch (function) {
        case "_&&_", "_||_" -> {
          cost = argCost;
          result = Value.scalar("bool");
        }
        case "_?_:_" -> {
          cost = add(args.get(0).cost(), Math.max(args.get(1).cost(), args.get(2).cost()));
          Value a = args.get(1).value();
          Value b = args.get(2).value();
          result = new Value(a.type() != null ? a.type() : b.type(), a.kind(), Math.max(a.size(), b.size()));
        }
        case "_==_", "_!=_" -> {
          cost = add(factor(Math.min(args.get(0).value().size(), args.get(1).value().size()), STRING_TRAVERSAL_COST_FACTOR), argCost);
          result = Value.scalar("bool");
        }
        case "_<_", "_<=_", "_>_", "_>=_" -> {
          Value a = args.get(0).value();
          Value b = args.get(1).value();
          boolean sized = isText(a) && isText(b);
          cost = add(sized ? factor(Math.min(a.size(), b.size()), STRING_TRAVERSAL_COST_FACTOR) : 1, argCost);
          result = Value.scalar("bool");
        }
        case "_+_" -> {
          Value a = args.get(0).value();
          Value b = args.get(1).value();
          long size = add(a.size(), b.size());
          if (isText(a) || isText(b)) {
            cost = add(factor(size, STRING_TRAVERSAL_COST_FACTOR), argCost);
            result = new Value(null, isText(a) ? textKind(a) : textKind(b), size);
          } else if ("list".equals(a.kind()) || "list".equals(b.kind())) {
            cost = add(1, argCost);
            Decl type = a.type() != null ? a.type() : b.type();
            result = new Value(type, "list", size);
          } else {
            cost = add(1, argCost);
            result = Value.scalar(a.kind());
          }
        }
        case "matches" -> {
          requireText(receiver, function);
          long text = factor(add(receiver.size(), 1), STRING_TRAVERSAL_COST_FACTOR);
          long regex = factor(argument.size(), REGEX_STRING_LENGTH_COST_FACTOR);
          cost = add(add(multiply(text, regex), argCost), targetCost);
          result = Value.scalar("bool");
        }
        case "contains" -> {
          requireText(receiver, function);
          long text = factor(receiver.size(), STRING_TRAVERSAL_COST_FACTOR);
          long sub = factor(argument.size(), STRING_TRAVERSAL_COST_FACTOR);
          cost = add(add(multiply(text, sub), argCost), targetCost);
          result = Value.scalar("bool");
        }
        case "startsWith", "endsWith" -> {
          requireText(receiver, function);
          cost = add(add(factor(argument.size(), STRING_TRAVERSAL_COST_FACTOR), argCost), targetCost);
          result = Value.scalar("bool");
        }
        case "@in" -> {
          Value container = args.get(1).value();
          cost = add("list".equals(container.kind()) ? container.size() : 1, argCost);
          result = Value.scalar("bool");
        }
        default -> {
          if (!CONSTANT_COST_FUNCTIONS.contains(function)) {
            throw fail("no cost model for function '" + function + "'");
          }
          cost = add(add(1, argCost), targetCost);
          result = constantCostResult(function, args, target);
        }
      }
      return new Costed(cost, result);
    }

    private Value constantCostResult(String function, List<Costed> args, Costed target) {
      switch (function) {
        case "_[_]" -> {
          Value container = args.get(0).value();
          if (container.type() != null && container.type().elem != null) {
            return Value.of(container.type().elem);
          }
          return new Value(null, "dyn", UNBOUNDED);
        }
        case "dyn" -> {
          return args.get(0).value();
        }
        case "!_", "@not_strictly_false" -> {
          return Value.scalar("bool");
        }
        case "size", "int" -> {
          return Value.scalar("int");
        }
        case "uint" -> {
          return Value.scalar("uint");
        }
        case "double" -> {
          return Value.scalar("double");
        }
        default -> {
          return Value.scalar((target != null ? target : args.get(0)).value().kind());
        }
      }
    }

    private void requireText(Value value, String function) {
      if (value == null || !isText(value)) {
        throw fail("'" + function + "' on a " + (value == null ? "missing receiver" : value.kind()) + " is not estimated");
      }
    }
  }

  /** Strings and bytes; int-or-string values (dyn) are priced as strings. */
  private static boolean isText(Value value) {
    return "string".equals(value.kind()) || "bytes".equals(value.kind()) || "dyn".equals(value.kind());
  }

  private static String textKind(Value value) {
    return "bytes".equals(value.kind()) ? "bytes" : "string";
  }

  // ---- saturating arithmetic, as cel-go's (which saturates at 2^64 - 1) --------------------------

  static long add(long a, long b) {
    long sum = a + b;
    return sum < 0 ? UNBOUNDED : sum;
  }

  static long multiply(long a, long b) {
    if (a == 0 || b == 0) {
      return 0;
    }
    return a > UNBOUNDED / b ? UNBOUNDED : a * b;
  }

  /** ceil(size * factor), as cel-go's multiplyByCostFactor. */
  static long factor(long size, double factor) {
    double product = Math.ceil((double) size * factor);
    return product >= (double) UNBOUNDED ? UNBOUNDED : (long) product;
  }
}
