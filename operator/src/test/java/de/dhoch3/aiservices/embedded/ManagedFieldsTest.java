package de.dhoch3.aiservices.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The embedded server writes managedFields as a real one does (FieldsV1; expectations written out from the format). */
class ManagedFieldsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void fieldsAreRecordedAsFieldsV1() throws Exception {
    ObjectNode deployment = (ObjectNode) JSON.readTree("""
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "comfy", "namespace": "studio", "uid": "u-1", "labels": {"app": "comfy"}},
         "spec": {"replicas": 1, "template": {"spec": {
           "containers": [{"name": "app", "image": "comfy:1", "args": ["--listen", "0.0.0.0"]}]}}},
         "status": {"replicas": 1}}""");
    ObjectNode fields = ManagedFields.fieldSet(deployment);
    assertThat(fields).isEqualTo(JSON.readTree("""
        {"f:metadata": {"f:labels": {"f:app": {}}},
         "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
           "k:{\\"name\\":\\"app\\"}": {".": {}, "f:name": {}, "f:image": {}, "f:args": {"v:\\"--listen\\"": {}, "v:\\"0.0.0.0\\"": {}}}}}}}}"""));
  }

  @Test
  void eachWriterHasOneEntryAndOthersAreKept() throws Exception {
    ObjectNode stored = (ObjectNode) JSON.readTree("""
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "managedFields": [
          {"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:data": {"f:old": {}}}},
          {"manager": "operator", "operation": "Update", "fieldsV1": {"f:data": {"f:old": {}}}}]},
         "data": {"old": "1"}}""");
    ObjectNode update = (ObjectNode) JSON.readTree("""
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"new": "2"}}""");
    ManagedFields.record(update, stored, "operator", Instant.parse("2026-12-07T11:30:00.250Z"));
    var entries = update.path("metadata").path("managedFields");
    assertThat(entries).hasSize(2);
    assertThat(entries.get(0).path("manager").asText()).isEqualTo("kubectl");
    assertThat(entries.get(1).toString()).isEqualTo("{\"manager\":\"operator\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
        + "\"time\":\"2026-12-07T11:30:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:data\":{\"f:new\":{}}}}");
  }
}
