package de.dhoch3.aiservices.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * YAML anchors, aliases and merge keys ({@code <<: *base}) resolved as kubectl resolves them (its
 * YAML library expands them before JSON conversion). Jackson's YAML reader turns an alias into the
 * anchor's name as a string and keeps {@code <<} as a key, so a manifest kubectl accepts would be
 * read wrongly. Only documents that use them take this path; the expansion is capped (a "billion
 * laughs" file is refused, not expanded).
 */
final class YamlAliases {
  /** Nodes a stream may expand to; far above any real manifest. */
  static final int MAX_NODES = 100_000;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private YamlAliases() {}

  /** The documents with aliases and merge keys resolved, or null when the stream uses none (or is not YAML SnakeYAML composes). */
  static List<JsonNode> resolve(byte[] content, String source) throws Manifests.InvalidManifest {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(50);
    options.setAllowRecursiveKeys(false);
    Yaml yaml = new Yaml(new SafeConstructor(options));
    List<Node> documents = new ArrayList<>();
    try {
      for (Node node : yaml.composeAll(new StringReader(new String(content, StandardCharsets.UTF_8)))) {
        documents.add(node);
      }
    } catch (RuntimeException notComposable) {
      if (notComposable.getMessage() != null && notComposable.getMessage().contains("aliases")) {
        throw new Manifests.InvalidManifest(source + ": not valid YAML: too many aliases (more than 50 for collections):"
            + " a file that expands itself is refused; write the values out");
      }
      return null; // the ordinary reader reports the error with its line
    }
    if (documents.stream().noneMatch(YamlAliases::usesAliases)) {
      return null;
    }
    int[] budget = {MAX_NODES};
    List<JsonNode> result = new ArrayList<>();
    for (Node document : documents) {
      result.add(toJson(document, "", budget, source));
    }
    return result;
  }

  private static boolean usesAliases(Node node) {
    if (node == null) {
      return false;
    }
    if (node.getAnchor() != null) {
      return true;
    }
    if (node instanceof MappingNode mapping) {
      for (NodeTuple tuple : mapping.getValue()) {
        if (tuple.getKeyNode().getTag().equals(Tag.MERGE) || usesAliases(tuple.getKeyNode()) || usesAliases(tuple.getValueNode())) {
          return true;
        }
      }
    } else if (node instanceof SequenceNode sequence) {
      return sequence.getValue().stream().anyMatch(YamlAliases::usesAliases);
    }
    return false;
  }

  private static JsonNode toJson(Node node, String path, int[] budget, String source) throws Manifests.InvalidManifest {
    if (--budget[0] < 0) {
      throw new Manifests.InvalidManifest(source + ": not valid YAML: its aliases expand to more than " + MAX_NODES
          + " values; a file that expands itself is refused, write the values out");
    }
    if (node instanceof ScalarNode scalar) {
      return scalar(scalar, path, source);
    }
    if (node instanceof SequenceNode sequence) {
      ArrayNode array = NODES.arrayNode();
      int i = 0;
      for (Node item : sequence.getValue()) {
        array.add(toJson(item, path + "[" + i++ + "]", budget, source));
      }
      return array;
    }
    MappingNode mapping = (MappingNode) node;
    Map<String, JsonNode> own = new LinkedHashMap<>();
    Map<String, JsonNode> merged = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      Node key = tuple.getKeyNode();
      if (key.getTag().equals(Tag.MERGE)) {
        // <<: *a or <<: [*a, *b]: keys of earlier maps win, the mapping's own keys win over all
        List<Node> sources = tuple.getValueNode() instanceof SequenceNode seq ? seq.getValue() : List.of(tuple.getValueNode());
        for (Node from : sources) {
          if (!(from instanceof MappingNode)) {
            throw new Manifests.InvalidManifest(source + ": not valid YAML: line " + (from.getStartMark().getLine() + 1)
                + (path.isEmpty() ? "" : ", " + path) + ": a merge key (<<) takes a mapping or a list of mappings");
          }
          JsonNode value = toJson(from, path, budget, source);
          value.fields().forEachRemaining(e -> merged.putIfAbsent(e.getKey(), e.getValue()));
        }
        continue;
      }
      if (!(key instanceof ScalarNode keyScalar)) {
        throw new Manifests.InvalidManifest(source + ": not valid YAML: line " + (key.getStartMark().getLine() + 1)
            + (path.isEmpty() ? "" : ", " + path) + ": a key must be a plain value");
      }
      String name = keyScalar.getValue();
      String field = path.isEmpty() ? name : path + "." + name;
      if (own.containsKey(name)) {
        throw new Manifests.InvalidManifest(source + ": not valid YAML: line " + (key.getStartMark().getLine() + 1) + ", " + field
            + ": the key is given twice (YAML would keep only one value, silently); give it once");
      }
      own.put(name, toJson(tuple.getValueNode(), field, budget, source));
    }
    ObjectNode object = NODES.objectNode();
    merged.forEach((k, v) -> {
      if (!own.containsKey(k)) {
        object.set(k, v.deepCopy());
      }
    });
    own.forEach(object::set);
    return object;
  }

  /** A scalar typed as YAML 1.1 resolves it (the tag SnakeYAML's resolver gave it), as kubectl's YAML library does. */
  private static JsonNode scalar(ScalarNode scalar, String path, String source) throws Manifests.InvalidManifest {
    String value = scalar.getValue();
    Tag tag = scalar.getTag();
    if (tag.equals(Tag.NULL)) {
      return NODES.nullNode();
    }
    if (tag.equals(Tag.BOOL)) {
      return NODES.booleanNode(List.of("yes", "true", "on", "y").contains(value.toLowerCase(Locale.ROOT)));
    }
    if (tag.equals(Tag.INT)) {
      String digits = value.replace("_", "");
      try {
        BigInteger number = digits.matches("[-+]?0x[0-9a-fA-F]+") ? new BigInteger(digits.replaceFirst("0x", ""), 16)
            : digits.matches("[-+]?0b[01]+") ? new BigInteger(digits.replaceFirst("0b", ""), 2)
            : digits.matches("[-+]?0[0-7]+") ? new BigInteger(digits, 8)
            : new BigInteger(digits);
        return number.bitLength() < 64 ? NODES.numberNode(number.longValue()) : NODES.numberNode(number);
      } catch (NumberFormatException e) {
        return NODES.textNode(value);
      }
    }
    if (tag.equals(Tag.FLOAT)) {
      String plain = value.replace("_", "");
      if (plain.toLowerCase(Locale.ROOT).matches("[-+]?\\.(inf|nan)")) {
        throw new Manifests.InvalidManifest(source + ": not valid YAML: line " + (scalar.getStartMark().getLine() + 1)
            + (path.isEmpty() ? "" : ", " + path) + ": " + value + " is not a plain number (.inf, .nan and the like are not); give a whole number, e.g. 1");
      }
      try {
        return NODES.numberNode(Double.parseDouble(plain));
      } catch (NumberFormatException e) {
        return NODES.textNode(value);
      }
    }
    return NODES.textNode(value);
  }
}
