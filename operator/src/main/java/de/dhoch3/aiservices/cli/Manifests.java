package de.dhoch3.aiservices.cli;

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
final class Manifests {
  private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  /** One AIService document and where it came from. */
  record Doc(String source, ObjectNode node) {
    String name() {
      JsonNode name = node.path("metadata").path("name");
      return name.isTextual() ? name.asText() : "<unnamed>";
    }

    String namespace() {
      JsonNode ns = node.path("metadata").path("namespace");
      return ns.isTextual() ? ns.asText() : null;
    }

    AIService toResource(String defaultNamespace) {
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

  /** All AIService documents under the paths (folders recursively, *.yaml and *.yml, sorted). */
  static List<Doc> fromPaths(List<Path> paths) throws IOException {
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
          docs.addAll(read(in, file.toString(), Files.isDirectory(path)));
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
    List<Doc> docs = new ArrayList<>();
    try {
      var parser = YAML.getFactory().createParser(in);
      var values = YAML.readValues(parser, JsonNode.class);
      while (values.hasNextValue()) {
        JsonNode node = values.nextValue();
        if (isAIService(node)) {
          docs.add(new Doc(source, (ObjectNode) node));
        }
      }
    } catch (IOException | RuntimeException e) {
      if (!lenient) {
        throw new IOException(source + ": not valid YAML: " + e.getMessage(), e);
      }
    }
    return docs;
  }
}
