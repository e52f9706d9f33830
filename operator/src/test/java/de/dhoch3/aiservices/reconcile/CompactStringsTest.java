package de.dhoch3.aiservices.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/** The client's reading with canonical strings: the same objects, and one instance of each repeated string. */
class CompactStringsTest {
  private static final String JSON = """
      {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s","namespace":"studio",
       "labels":{"app.kubernetes.io/managed-by":"aiservice-operator"}},
       "spec":{"template":{"spec":{"containers":[{"name":"app","image":"yanwk/comfyui-boot:cu126-megapak",
       "volumeMounts":[{"name":"models","mountPath":"/models","readOnly":true}]}]}}}}
      """;

  @Test
  void repeatedStringsAreOneInstanceAndObjectsReadTheSame() {
    KubernetesSerialization compact = CompactStrings.serialization();
    // built at run time: no literal of the test's own constant pool can make them identical by accident
    Deployment a = compact.unmarshal(JSON.formatted(new StringBuilder("comfy").append("ui").toString()), Deployment.class);
    Deployment b = compact.unmarshal(JSON.formatted("forge"), Deployment.class);
    var containerA = a.getSpec().getTemplate().getSpec().getContainers().get(0);
    var containerB = b.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(containerA.getImage()).isSameAs(containerB.getImage());
    assertThat(containerA.getVolumeMounts().get(0).getMountPath()).isSameAs(containerB.getVolumeMounts().get(0).getMountPath());
    String keyA = a.getMetadata().getLabels().keySet().iterator().next();
    String keyB = b.getMetadata().getLabels().keySet().iterator().next();
    assertThat(keyA).isSameAs(keyB);
    assertThat(a.getMetadata().getLabels().get(keyA)).isSameAs(b.getMetadata().getLabels().get(keyB));
    // and nothing else changes: the default reading gives an equal object
    assertThat(a).isEqualTo(new KubernetesSerialization().unmarshal(JSON.formatted("comfyui"), Deployment.class));
    assertThat(a.getMetadata().getName()).isEqualTo("comfyui");
    assertThat(b.getMetadata().getName()).isEqualTo("forge");
    // a long value repeated in every AIService of an app (a 4 KB prepare script) is one instance too
    String script = "report() { echo \\\"$1\\\"; }; " + "mkdir -p /aiservice/data/x || fail; ".repeat(120);
    assertThat(script.length()).isGreaterThan(4000);
    Deployment c = compact.unmarshal(JSON.formatted("c").replace("yanwk/comfyui-boot:cu126-megapak", script), Deployment.class);
    Deployment d = compact.unmarshal(JSON.formatted("d").replace("yanwk/comfyui-boot:cu126-megapak", script), Deployment.class);
    assertThat(c.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(script.replace("\\", "")).isSameAs(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    // one over 64 KiB is left as it is: a new instance per reading
    String huge = "x".repeat(70_000);
    Deployment e = compact.unmarshal(JSON.formatted("e").replace("yanwk/comfyui-boot:cu126-megapak", huge), Deployment.class);
    Deployment f = compact.unmarshal(JSON.formatted("f").replace("yanwk/comfyui-boot:cu126-megapak", huge), Deployment.class);
    assertThat(e.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(huge).isNotSameAs(f.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    // no empty map of unknown fields per object; a field the model does not know is still kept
    assertThat(containerA.getAdditionalProperties()).isSameAs(java.util.Collections.emptyMap());
    Deployment extra = compact.unmarshal(JSON.formatted("x").replace("\"readOnly\":true", "\"readOnly\":true,\"future\":\"y\""),
        Deployment.class);
    assertThat(extra.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts().get(0).getAdditionalProperties())
        .containsEntry("future", "y");
  }

  /**
   * The canonical instance is the JVM's interned one, whether the value was seen before or not, and
   * whether it is short (remembered), long (only interned) or over 64 KiB (left as it is).
   */
  @Test
  void canonicalIsTheInternedInstance() {
    // 256 is the longest remembered, 65,536 (64 KiB) the longest interned
    for (String value : new String[] {"/models", "", "x".repeat(256), "y".repeat(257), "w".repeat(65_536), "z".repeat(65_537)}) {
      String first = new String(value.toCharArray());
      String second = new String(value.toCharArray());
      assertThat(first).isNotSameAs(second);
      if (value.length() > CompactStrings.MAX_INTERNED) {
        assertThat(CompactStrings.canonical(first)).isSameAs(first);
        assertThat(CompactStrings.canonical(second)).isSameAs(second);
      } else {
        assertThat(CompactStrings.canonical(first)).isSameAs(value.intern());
        assertThat(CompactStrings.canonical(second)).isSameAs(value.intern());
      }
    }
    // two values in the same slot: each still its own canonical instance
    String a = "Aa";
    String b = "BB";   // the same hashCode (2112) as "Aa"
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(CompactStrings.canonical(new String(a.toCharArray()))).isSameAs(a);
    assertThat(CompactStrings.canonical(new String(b.toCharArray()))).isSameAs(b);
    assertThat(CompactStrings.canonical(new String(a.toCharArray()))).isSameAs(a);
  }

  /**
   * The informers read on several threads at once: values sharing one slot (all with the same
   * hashCode, so the same slot whatever its size) read concurrently each come back as themselves.
   */
  @Test
  void valuesSharingASlotReadConcurrentlyComeBackAsThemselves() throws Exception {
    String[] colliding = {"AaAa", "AaBB", "BBAa", "BBBB"};   // each 2031744
    for (String value : colliding) {
      assertThat(value.hashCode()).isEqualTo(2031744);
    }
    java.util.concurrent.atomic.AtomicReference<String> wrong = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.List<Thread> threads = new java.util.ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int first = t;
      threads.add(new Thread(() -> {
        for (int i = 0; i < 200_000 && wrong.get() == null; i++) {
          String value = colliding[(first + i) % colliding.length];
          String read = CompactStrings.canonical(new String(value.toCharArray()));
          if (read != value) {   // the literal is the interned instance
            wrong.set(value + " read as " + read);
          }
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(wrong.get()).isNull();
  }

  /**
   * What a real API server sends: every object carries metadata.managedFields (apiserver's
   * fieldmanager), which the operator never reads. It is skipped when read, everything around it is
   * read, and an object that has it still writes it.
   */
  @Test
  void managedFieldsAreNotReadButStillWritten() {
    String served = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"comfyui","namespace":"studio",
         "managedFields":[{"manager":"aiservice-operator","operation":"Update","apiVersion":"apps/v1",
           "time":"2026-12-07T10:00:00Z","fieldsType":"FieldsV1",
           "fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app.kubernetes.io/managed-by":{}}},"f:spec":{"f:replicas":{}}}}],
         "labels":{"app.kubernetes.io/managed-by":"aiservice-operator"},"resourceVersion":"42"},
         "spec":{"replicas":1}}
        """;
    KubernetesSerialization compact = CompactStrings.serialization();
    Deployment read = compact.unmarshal(served, Deployment.class);
    assertThat(read.getMetadata().getManagedFields()).isEmpty();
    assertThat(read.getMetadata().getLabels()).containsExactly(java.util.Map.entry("app.kubernetes.io/managed-by", "aiservice-operator"));
    assertThat(read.getMetadata().getResourceVersion()).isEqualTo("42");
    assertThat(read.getSpec().getReplicas()).isEqualTo(1);
    // every other field of metadata is read as the default reading reads it (finalizers, owner references,
    // deletion: an update written back from this reading must not drop them)
    String everyField = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"comfyui","namespace":"studio","generateName":"comfy-",
         "uid":"3f1c","resourceVersion":"42","generation":3,"selfLink":"/apis/apps/v1/x",
         "creationTimestamp":"2026-12-07T10:00:00Z","deletionTimestamp":"2026-12-07T11:00:00Z","deletionGracePeriodSeconds":30,
         "labels":{"a":"1"},"annotations":{"b":"2"},"finalizers":["studio.example/keep"],
         "ownerReferences":[{"apiVersion":"aiservices.dhoch3.de/v1alpha1","kind":"AIService","name":"comfyui","uid":"9a","controller":true}],
         "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{}}]},
         "spec":{"replicas":1}}
        """;
    Deployment expected = new KubernetesSerialization().unmarshal(everyField, Deployment.class);
    assertThat(expected.getMetadata().getFinalizers()).containsExactly("studio.example/keep");
    expected.getMetadata().setManagedFields(new java.util.ArrayList<>());
    assertThat(compact.unmarshal(everyField, Deployment.class)).isEqualTo(expected);
    // the default reading has it: the skip is this reading's, not the input's
    Deployment plain = new KubernetesSerialization().unmarshal(served, Deployment.class);
    assertThat(plain.getMetadata().getManagedFields()).hasSize(1);
    assertThat(compact.asJson(plain)).contains("\"managedFields\":[{\"apiVersion\":\"apps/v1\"", "\"manager\":\"aiservice-operator\"");
  }

  private static final String SIZED = """
      {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"sized","namespace":"studio",
       "labels":{"a":"1","b":"2"},
       "annotations":{"k1":"1","k2":"2","k3":"3","k4":"4","k5":"5","k6":"6"}},
       "spec":{"template":{"spec":{"containers":[{"name":"app","image":"i",
       "volumeMounts":[{"name":"models","mountPath":"/models"},{"name":"data","mountPath":"/data"}]}]}}}}
      """;

  /**
   * Lists and small maps take the room they need. Figures from the JDK 17 sources, not from the code:
   * an ArrayList filled one by one grows to 10 slots (ArrayList.DEFAULT_CAPACITY), a LinkedHashMap's
   * table starts at 16 (HashMap.DEFAULT_INITIAL_CAPACITY), and a copy of 2 entries gets a table of 4
   * (HashMap.putMapEntries: 2 / 0.75 + 1, rounded up to a power of two).
   */
  @Test
  void listsAndSmallMapsAreReadAtTheirSizeAndStayMutable() throws Exception {
    Deployment plain = new KubernetesSerialization().unmarshal(SIZED, Deployment.class);
    Deployment compact = CompactStrings.serialization().unmarshal(SIZED, Deployment.class);
    var plainContainer = plain.getSpec().getTemplate().getSpec().getContainers();
    var compactContainer = compact.getSpec().getTemplate().getSpec().getContainers();
    assertThat(slots(plainContainer.get(0).getVolumeMounts())).isEqualTo(10);
    assertThat(slots(compactContainer.get(0).getVolumeMounts())).isEqualTo(2);
    assertThat(slots(compactContainer)).isEqualTo(1);
    assertThat(tableSize(plain.getMetadata().getLabels())).isEqualTo(16);
    assertThat(tableSize(compact.getMetadata().getLabels())).isEqualTo(4);
    // six entries: a copy would get 16 as well, so the map is kept as read
    assertThat(tableSize(compact.getMetadata().getAnnotations())).isEqualTo(16);
    assertThat(compact).isEqualTo(plain);
    assertThat(compact.getMetadata().getLabels().keySet()).containsExactly("a", "b");
    // still ordinary collections: whoever changes a copy of a cached object can
    compactContainer.get(0).getVolumeMounts().add(new io.fabric8.kubernetes.api.model.VolumeMount());
    compact.getMetadata().getLabels().put("c", "3");
    assertThat(compactContainer.get(0).getVolumeMounts()).hasSize(3);
    assertThat(compact.getMetadata().getLabels()).containsEntry("c", "3");
  }

  /**
   * Untyped values (unknown fields, managedFields' field sets) are left to Jackson's own readers: merging
   * an object into a string value replaces it, as with the plain reading (a reviewer found it failing).
   */
  @Test
  void untypedValuesAreReadAndMergedAsJacksonDoes() {
    for (KubernetesSerialization json : java.util.List.of(new KubernetesSerialization(), CompactStrings.serialization())) {
      java.util.Map<String, Object> merged = new java.util.LinkedHashMap<>(java.util.Map.of("a", "x", "d", "kept"));
      json.mergePatch(merged, "{\"a\":{\"b\":1},\"c\":[1,{\"e\":\"f\"}]}");
      assertThat(merged).isEqualTo(java.util.Map.of("a", java.util.Map.of("b", 1), "c", java.util.List.of(1, java.util.Map.of("e", "f")),
          "d", "kept"));
    }
  }

  private static int slots(java.util.List<?> list) throws ReflectiveOperationException {
    java.lang.reflect.Field elements = java.util.ArrayList.class.getDeclaredField("elementData");
    elements.setAccessible(true);   // surefire opens java.util (operator/pom.xml, argLine)
    return ((Object[]) elements.get(list)).length;
  }

  private static int tableSize(java.util.Map<?, ?> map) throws ReflectiveOperationException {
    java.lang.reflect.Field table = java.util.HashMap.class.getDeclaredField("table");
    table.setAccessible(true);
    return ((Object[]) table.get(map)).length;
  }

  /** The real operator on a client with canonical strings and read-only empty extras: Ready, and a spec change reaches the Deployment. */
  @Test
  void theOperatorWorksOnTheCompactClient() throws Exception {
    try (var cluster = de.dhoch3.aiservices.embedded.EmbeddedCluster.start();
        var compact = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(cluster.client().getConfiguration())
            .withKubernetesSerialization(CompactStrings.serialization()).build();
        var simulation = new de.dhoch3.aiservices.embedded.SimulatedDeploymentController(cluster.newClient()).start();
        var user = cluster.newClient()) {
      cluster.ensureNamespace(OperatorHarness.NS);
      var operator = AIServiceOperator.create(compact, de.dhoch3.aiservices.config.OperatorConfig.defaults(), java.time.Clock.systemUTC(), null,
          OperatorHarness.STAY_IN_THE_JVM, null, RetryPolicy.DEFAULT);
      operator.start();
      try {
        var ai = user.resource(OperatorHarness.aiservice("compact", de.dhoch3.aiservices.api.App.COMFYUI)).create();
        var resource = user.resources(de.dhoch3.aiservices.api.AIService.class).inNamespace(OperatorHarness.NS).withName("compact");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
          var now = resource.get();
          return now.getStatus() != null && now.getStatus().conditions.stream()
              .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
        });
        resource.edit(a -> {
          a.getSpec().env = java.util.List.of(new io.fabric8.kubernetes.api.model.EnvVar("STUDIO", "blue", null));
          return a;
        });
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> user.apps().deployments()
            .inNamespace(OperatorHarness.NS).withName("compact").get().getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
            .stream().anyMatch(e -> e.getName().equals("STUDIO") && "blue".equals(e.getValue())));
        assertThat(ai.getMetadata().getName()).isEqualTo("compact");
      } finally {
        operator.stop();
      }
    }
  }
}
