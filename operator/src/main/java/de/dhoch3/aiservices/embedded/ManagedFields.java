package de.dhoch3.aiservices.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * What a real API server writes into every object on every create and update:
 * {@code metadata.managedFields}, one entry per writer with the set of fields it wrote in the
 * FieldsV1 format (k8s.io/apimachinery {@code pkg/apis/meta/v1/types.go} ManagedFieldsEntry,
 * structured-merge-diff {@code fieldpath/serialize.go}: {@code f:<field>}, list items by key
 * {@code k:{"name":...}}, set items by value {@code v:...}). It makes every object a few KB larger,
 * so a cache that keeps it costs memory the mock would not show.
 */
final class ManagedFields {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** Of metadata, only what a writer sets is tracked (name, uid and the like are the server's). */
  private static final Set<String> METADATA_TRACKED = Set.of("labels", "annotations", "ownerReferences", "finalizers");

  private ManagedFields() {}

  /** Records {@code manager}'s write of {@code object}, keeping the other managers' entries of {@code stored}. */
  static void record(ObjectNode object, ObjectNode stored, String manager, Instant now) {
    ArrayNode entries = NODES.arrayNode();
    if (stored != null) {
      for (JsonNode entry : stored.path("metadata").path("managedFields")) {
        if (!manager.equals(entry.path("manager").asText())) {
          entries.add(entry);
        }
      }
    }
    ObjectNode entry = entries.addObject();
    entry.put("manager", manager);
    entry.put("operation", "Update");
    entry.put("apiVersion", object.path("apiVersion").asText());
    entry.put("time", now.truncatedTo(ChronoUnit.SECONDS).toString());
    entry.put("fieldsType", "FieldsV1");
    entry.set("fieldsV1", fieldSet(object));
    object.with("metadata").set("managedFields", entries);
  }

  /** The FieldsV1 set of an object: every field it sets, status excluded (the status subresource's writers own it). */
  static ObjectNode fieldSet(ObjectNode object) {
    ObjectNode set = NODES.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      switch (field.getKey()) {
        case "apiVersion", "kind", "status" -> { }
        case "metadata" -> {
          ObjectNode metadata = NODES.objectNode();
          field.getValue().fields().forEachRemaining(m -> {
            if (METADATA_TRACKED.contains(m.getKey())) {
              metadata.set("f:" + m.getKey(), of(m.getValue()));
            }
          });
          if (!metadata.isEmpty()) {
            set.set("f:metadata", metadata);
          }
        }
        default -> set.set("f:" + field.getKey(), of(field.getValue()));
      }
    }
    return set;
  }

  private static ObjectNode of(JsonNode value) {
    ObjectNode set = NODES.objectNode();
    if (value.isObject()) {
      value.fields().forEachRemaining(field -> set.set("f:" + field.getKey(), of(field.getValue())));
    } else if (value.isArray()) {
      for (JsonNode item : value) {
        if (item.isObject() && item.has("name")) {
          ObjectNode itemSet = of(item);
          itemSet.set(".", NODES.objectNode());
          set.set("k:{\"name\":" + item.get("name").toString() + "}", itemSet);
        } else if (item.isValueNode()) {
          set.set("v:" + item.toString(), NODES.objectNode());
        }
      }
    }
    return set;
  }
}
