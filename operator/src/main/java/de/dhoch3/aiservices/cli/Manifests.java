package de.dhoch3.aiservices.cli;

import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import de.dhoch3.aiservices.api.AIService;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads AIService manifests from YAML files, folders or stdin; other kinds are skipped. */
public final class Manifests {
  // a key given twice is an error (YAML would keep one value silently), as kubectl's strict decoding does
  private static final YAMLMapper YAML = YAMLMapper.builder(new YAMLFactory())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private static final java.util.regex.Pattern AISERVICE_KIND = java.util.regex.Pattern.compile("(?m)^\\s*kind:\\s*[\"']?AIService\\b");

  /** The file is not YAML an AIService can be read from; the message names the line, the field and the fix. */
  static final class InvalidManifest extends IOException {
    InvalidManifest(String message) {
      super(message);
    }
  }
  static final ObjectMapper JSON = new ObjectMapper();

  /** One AIService document and where it came from. */
  public record Doc(String source, ObjectNode node) {
    String name() {
      JsonNode name = node.path("metadata").path("name");
      return name.isTextual() ? name.asText() : "<unnamed>";
    }

    String namespace() {
      JsonNode ns = node.path("metadata").path("namespace");
      return ns.isTextual() ? ns.asText() : null;
    }

    public AIService toResource(String defaultNamespace) {
      AIService ai = JSON.convertValue(node, AIService.class);
      if (ai.getMetadata().getNamespace() == null) {
        ai.getMetadata().setNamespace(defaultNamespace);
      }
      return ai;
    }
  }

  private Manifests() {}

  static boolean isAIService(JsonNode node) {
    return node != null && node.isObject()
        && "AIService".equals(node.path("kind").asText())
        && node.path("apiVersion").asText().startsWith(AIService.GROUP + "/");
  }

  static boolean isAIModel(JsonNode node) {
    return node != null && node.isObject()
        && "AIModel".equals(node.path("kind").asText())
        && node.path("apiVersion").asText().startsWith(AIService.GROUP + "/");
  }

  /** All AIService documents under the paths (folders recursively, *.yaml and *.yml, sorted). */
  public static List<Doc> fromPaths(List<Path> paths) throws IOException {
    return fromPaths(paths, Manifests::isAIService);
  }

  /** The documents of one kind under the paths. */
  static List<Doc> fromPaths(List<Path> paths, java.util.function.Predicate<JsonNode> kind) throws IOException {
    List<Doc> docs = new ArrayList<>();
    for (Path path : paths) {
      List<Path> files = new ArrayList<>();
      if (Files.isDirectory(path)) {
        try (Stream<Path> walk = Files.walk(path)) {
          walk.filter(Files::isRegularFile)
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted().forEach(files::add);
        }
      } else {
        files.add(path);
      }
      for (Path file : files) {
        try (InputStream in = Files.newInputStream(file)) {
          docs.addAll(read(in, file.toString(), Files.isDirectory(path), kind));
        }
      }
    }
    return docs;
  }

  /**
   * The AIService documents of one YAML stream. Inside a folder, files that are not Kubernetes
   * YAML (Helm values, templates) are skipped; a file named explicitly must parse.
   */
  static List<Doc> read(InputStream in, String source, boolean lenient) throws IOException {
    return read(in, source, lenient, Manifests::isAIService);
  }

  static List<Doc> read(InputStream in, String source, boolean lenient, java.util.function.Predicate<JsonNode> kind) throws IOException {
    byte[] content = in.readAllBytes();
    // inside a folder too, a file that declares an AIService but cannot be read is an error, never skipped silently
    boolean strict = !lenient || AISERVICE_KIND.matcher(new String(content, java.nio.charset.StandardCharsets.UTF_8)).find();
    List<Doc> docs = new ArrayList<>();
    try {
      // anchors, aliases and merge keys: expanded as kubectl does (Jackson alone would misread them)
      List<JsonNode> expanded = YamlAliases.resolve(content, source);
      if (expanded != null) {
        expanded.stream().filter(kind).forEach(node -> docs.add(new Doc(source, (ObjectNode) node)));
        return docs;
      }
    } catch (InvalidManifest e) {
      if (strict) {
        throw e;
      }
      return docs;
    }
    try {
      var parser = YAML.getFactory().createParser(content);
      var values = YAML.readValues(parser, JsonNode.class);
      while (values.hasNextValue()) {
        JsonNode node = values.nextValue();
        if (kind.test(node)) {
          docs.add(new Doc(source, (ObjectNode) node));
        }
      }
    } catch (StreamReadException e) {
      if (strict) {
        throw new InvalidManifest(source + ": not valid YAML: " + explain(e));
      }
    } catch (IOException | RuntimeException e) {
      if (strict) {
        throw new InvalidManifest(source + ": not valid YAML: " + firstLine(e.getMessage()));
      }
    }
    return docs;
  }

  /** Line, field and problem of a YAML error, in the author's terms (no parser internals). */
  private static String explain(StreamReadException e) {
    String problem = e.getOriginalMessage();
    int line = e.getLocation() != null ? e.getLocation().getLineNr() : -1;
    if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException yaml) {
      problem = yaml.getProblem();
      if (yaml.getProblemMark() != null) {
        line = yaml.getProblemMark().getLine() + 1;
      }
    }
    String field = e.getProcessor() == null ? "" : path(e.getProcessor().getParsingContext());
    String fix;
    if (problem.startsWith("Duplicate field")) {
      fix = "the key is given twice (YAML would keep only one value, silently); give it once";
    } else if (problem.startsWith("Malformed numeric value")) {
      fix = problem.substring("Malformed numeric value".length()).strip()
          + " is not a plain number (.inf, .nan and the like are not); give a whole number, e.g. 1";
    } else if (problem.contains("(TAB)")) {
      fix = "a tab where YAML needs spaces; indent with spaces only";
    } else {
      fix = firstLine(problem);
    }
    return "line " + line + (field.isEmpty() ? "" : ", " + field) + ": " + fix;
  }

  /** spec.gpu.count: where the parser was when it stopped. */
  private static String path(JsonStreamContext context) {
    List<String> parts = new ArrayList<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        parts.add(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
      } else if (c.getCurrentName() != null) {
        parts.add(0, c.getCurrentName());
      }
    }
    StringBuilder path = new StringBuilder();
    for (String part : parts) {
      if (path.length() > 0 && !part.startsWith("[")) {
        path.append('.');
      }
      path.append(part);
    }
    return path.toString();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }
}
