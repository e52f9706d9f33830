package de.dhoch3.aiservices.chart;

import static de.dhoch3.aiservices.chart.HelmChartTest.ROOT;
import static de.dhoch3.aiservices.chart.HelmChartTest.ofKind;
import static de.dhoch3.aiservices.chart.HelmChartTest.render;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.GpuSpec;
import de.dhoch3.aiservices.apps.AppTranslationTest;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.validation.CelValues;
import de.dhoch3.aiservices.workload.WorkloadBuilder;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ValidatingAdmissionPolicy the chart renders, evaluated as the API server does (variables in
 * order, then every validation) with cel-java: every workload the operator renders passes, and
 * writable store mounts are refused whoever writes them.
 */
class AdmissionPolicyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The operator's ServiceAccount as the API server names it (release aiservice-operator in aiservice-system). */
  private static final String OPERATOR = "system:serviceaccount:aiservice-system:aiservice-operator";
  /** kube-controller-manager's Job controller with per-controller credentials (kubeadm's default). */
  private static final String JOB_CONTROLLER = "system:serviceaccount:kube-system:job-controller";
  /** The store's protection, bound to every namespace but kube-*. */
  private static Policy defaults;
  /** The apps' namespaces' hardening (namespaces labelled ai.dhoch3.de/apps=true, or watchNamespaces). */
  private static Policy apps;
  private static OperatorConfig chartConfig;

  /** The rendered policy, compiled. */
  record Policy(List<Map.Entry<String, CelRuntime.Program>> variables, List<Map.Entry<String, CelRuntime.Program>> validations) {
    /** The messages of the validations the object fails; empty when the API server admits it. */
    /** As written by an ordinary user of the namespace. */
    List<String> refusals(Object object) throws Exception {
      return refusals(object, "alice");
    }

    /** As created by {@code username} (request.userInfo.username). */
    List<String> refusals(Object object, String username) throws Exception {
      return refusals(object, null, username);
    }

    /** As written by {@code username}: an update of {@code old}, or a create when it is null. */
    List<String> refusals(Object object, Object old, String username) throws Exception {
      Map<String, Object> variableValues = new LinkedHashMap<>();
      Map<String, Object> input = new LinkedHashMap<>();
      input.put("object", CelValues.of(JSON.valueToTree(object)));
      input.put("oldObject", old == null ? dev.cel.common.values.NullValue.NULL_VALUE : CelValues.of(JSON.valueToTree(old)));
      input.put("request", Map.of("userInfo", Map.of("username", username), "operation", old == null ? "CREATE" : "UPDATE"));
      input.put("variables", variableValues);
      for (var variable : variables) {
        variableValues.put(variable.getKey(), variable.getValue().eval(input));
      }
      List<String> failed = new ArrayList<>();
      for (var validation : validations) {
        if (!Boolean.TRUE.equals(validation.getValue().eval(input))) {
          failed.add(validation.getKey());
        }
      }
      return failed;
    }
  }

  static Policy compile(JsonNode policy) throws Exception {
    CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .addLibraries(CelExtensions.strings())
        .addVar("object", SimpleType.DYN)
        .addVar("request", SimpleType.DYN)
        .addVar("oldObject", SimpleType.DYN)
        .addVar("variables", MapType.create(SimpleType.STRING, SimpleType.DYN))
        .build();
    CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().addLibraries(CelExtensions.strings()).build();
    List<Map.Entry<String, CelRuntime.Program>> variables = new ArrayList<>();
    for (JsonNode variable : policy.path("spec").path("variables")) {
      variables.add(Map.entry(variable.path("name").asText(),
          runtime.createProgram(compiler.compile(variable.path("expression").asText()).getAst())));
    }
    List<Map.Entry<String, CelRuntime.Program>> validations = new ArrayList<>();
    for (JsonNode validation : policy.path("spec").path("validations")) {
      validations.add(Map.entry(validation.path("message").asText(),
          runtime.createProgram(compiler.compile(validation.path("expression").asText()).getAst())));
    }
    return new Policy(variables, validations);
  }

  @BeforeAll
  static void renderTheChart() throws Exception {
    List<JsonNode> docs = render();
    defaults = compile(policy(docs, "aiservice-operator-model-store"));
    apps = compile(policy(docs, "aiservice-operator-app-namespaces"));
    String yaml = ofKind(docs, "ConfigMap").get(0).path("data").path("config.yaml").asText();
    chartConfig = OperatorConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "chart config");
    chartConfig.policy.allowUnmanagedGpu = true;
    assertThat(ofKind(docs, "ValidatingAdmissionPolicyBinding")).hasSize(3)
        .allSatisfy(b -> assertThat(b.path("spec").path("validationActions").get(0).asText()).isEqualTo("Deny"));
  }

  static JsonNode policy(List<JsonNode> docs, String name) {
    return ofKind(docs, "ValidatingAdmissionPolicy").stream().filter(p -> p.path("metadata").path("name").asText().equals(name))
        .findFirst().orElseThrow();
  }

  @Test
  void everyWorkloadTheOperatorRendersIsAdmittedForEveryAppAndGpuMode() throws Exception {
    int checked = 0;
    for (var profile : Catalog.all()) {
      for (GpuSpec.Mode mode : GpuSpec.Mode.values()) {
        AIService ai = AppTranslationTest.aiservice(profile.defaults().app());
        ai.getSpec().gpu = new GpuSpec();
        ai.getSpec().gpu.mode = mode;
        var deployment = WorkloadBuilder.build(ai, chartConfig).deployment();
        assertThat(defaults.refusals(deployment, OPERATOR)).as(profile.defaults().app() + " " + mode).isEmpty();
        assertThat(apps.refusals(deployment, OPERATOR)).as(profile.defaults().app() + " " + mode).isEmpty();
        checked++;
      }
    }
    // 8 apps (comfyui, forge, forge-neo, fooocus, invokeai, fluxgym, ai-toolkit, custom) x 5 modes (exclusive, shared, unmanaged, dra, none)
    assertThat(checked).isEqualTo(40);
  }

  private static ObjectNode comfyDeployment() {
    return Serialization.jsonMapper().valueToTree(WorkloadBuilder.build(AppTranslationTest.aiservice(App.COMFYUI), chartConfig).deployment());
  }

  @Test
  void aWritableStoreMountAddedByHandOrByAnotherToolIsRefused() throws Exception {
    ObjectNode edited = comfyDeployment();
    ((ArrayNode) edited.at("/spec/template/spec/containers/0/volumeMounts")).addObject().put("name", "models").put("mountPath", "/rw");
    // kubectl edit: an update by a person, the host folders as they were
    assertThat(defaults.refusals(edited, comfyDeployment(), "alice")).singleElement().asString().contains("read-only");

    // another tool's Job with its own hostPath volume of the store, no label of ours
    Map<String, Object> job = Map.of("apiVersion", "batch/v1", "kind", "Job", "metadata", Map.of("name", "sync"),
        "spec", Map.of("template", Map.of("spec", Map.of(
            "volumes", List.of(Map.of("name", "store", "hostPath", Map.of("path", "/vol/service/cw/storage-models/models/loras"))),
            "containers", List.of(Map.of("name", "rsync", "image", "rsync:1", "volumeMounts", List.of(Map.of("name", "store", "mountPath", "/dst"))))))));
    assertThat(defaults.refusals(job)).isNotEmpty();
    // a hostPath that holds the store (its parent) mounted writable, in a Pod
    Map<String, Object> pod = Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "p"),
        "spec", Map.of("volumes", List.of(Map.of("name", "all", "hostPath", Map.of("path", "/vol/service/cw"))),
            "containers", List.of(Map.of("name", "c", "image", "busybox", "volumeMounts", List.of(Map.of("name", "all", "mountPath", "/x"))))));
    assertThat(defaults.refusals(pod)).isNotEmpty();
    // the same read-only, and a log folder, in someone else's pod: host folders here are the operator's alone
    Map<String, Object> readOnly = Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "p"),
        "spec", Map.of("volumes", List.of(Map.of("name", "all", "hostPath", Map.of("path", "/vol/service/cw")),
                Map.of("name", "logs", "hostPath", Map.of("path", "/var/log"))),
            "containers", List.of(Map.of("name", "c", "image", "busybox", "volumeMounts", List.of(
                Map.of("name", "all", "mountPath", "/x", "readOnly", true), Map.of("name", "logs", "mountPath", "/logs"))))));
    assertThat(defaults.refusals(readOnly)).as("the store read-only is the store policy's business only").isEmpty();
    assertThat(apps.refusals(readOnly)).as("in the apps' namespaces host folders are the operator's").isNotEmpty();
    // kubectl debug: an ephemeral container with a writable store mount
    ObjectNode debugged = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
    debugged.putObject("metadata").put("name", "comfyui-1");
    debugged.set("spec", comfyDeployment().at("/spec/template/spec").deepCopy());
    ((ObjectNode) debugged.get("spec")).putArray("ephemeralContainers").addObject().put("name", "debug").put("image", "busybox")
        .putArray("volumeMounts").addObject().put("name", "models").put("mountPath", "/m");
    ObjectNode before = debugged.deepCopy();
    ((ObjectNode) before.get("spec")).remove("ephemeralContainers");
    assertThat(defaults.refusals(debugged, before, "alice")).singleElement().asString().contains("read-only");
  }

  @Test
  void exactlyTheAIModelDownloadJobsMayWriteOneCategoryFolder() throws Exception {
    var model = de.dhoch3.aiservices.models.AIModelTest.model("flux-ae");
    var plan = de.dhoch3.aiservices.models.ModelJobs.plan(model, chartConfig);
    var job = de.dhoch3.aiservices.models.ModelJobs.download(model, plan, chartConfig);
    assertThat(defaults.refusals(job, OPERATOR)).isEmpty();
    assertThat(defaults.refusals(de.dhoch3.aiservices.models.ModelJobs.delete(model, plan, "e".repeat(64), chartConfig), OPERATOR)).isEmpty();
    // the very same Job written by someone else (its labels, image and command copied): refused
    assertThat(defaults.refusals(job, "alice")).isNotEmpty();
    // the same, with another image (someone's lookalike Job): refused
    ObjectNode lookalike = Serialization.jsonMapper().valueToTree(job);
    ((ObjectNode) lookalike.at("/spec/template/spec/containers/0")).put("image", "evil/rsync:1");
    assertThat(defaults.refusals(lookalike, OPERATOR)).isNotEmpty();
    // the download program's image, but the whole store instead of one category folder: refused
    ObjectNode wholeStore = Serialization.jsonMapper().valueToTree(job);
    ((ObjectNode) wholeStore.at("/spec/template/spec/containers/0/volumeMounts/0")).remove("subPath");
    assertThat(defaults.refusals(wholeStore, OPERATOR)).isNotEmpty();
    // and its pod, as the Job controller creates it (controller reference to the Job): admitted
    ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
    pod.set("metadata", Serialization.jsonMapper().valueToTree(job).at("/spec/template/metadata").deepCopy());
    ((ObjectNode) pod.get("metadata")).put("name", "flux-ae-download-x");
    ((ObjectNode) pod.get("metadata")).putArray("ownerReferences").addObject()
        .put("apiVersion", "batch/v1").put("kind", "Job").put("name", "flux-ae-download").put("uid", "u1").put("controller", true);
    pod.set("spec", Serialization.jsonMapper().valueToTree(job).at("/spec/template/spec").deepCopy());
    assertThat(defaults.refusals(pod, JOB_CONTROLLER)).isEmpty();
    // the same pod written by a user who may create pods (owner reference and all): refused
    assertThat(defaults.refusals(pod, "alice")).isNotEmpty();
    assertThat(defaults.refusals(pod, OPERATOR)).as("the operator never writes pods").isNotEmpty();
  }

  /**
   * The model inbox: its CronJob written by the operator, its Job by the CronJob controller, its pod by
   * the Job controller are admitted with the whole store writable; the same objects from anyone else,
   * or with another image, are not.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"", "examples/helm/multi-node-nfs.yaml"})
  void exactlyTheInboxWritesTheWholeStore(String valuesFile) throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("inbox");
    java.nio.file.Path inboxValues = java.nio.file.Files.writeString(dir.resolve("inbox.yaml"), "inbox: {enabled: true, namespace: studio}\n");
    List<JsonNode> docs = valuesFile.isEmpty() ? HelmChartTest.render(inboxValues)
        : HelmChartTest.render(HelmChartTest.ROOT.resolve(valuesFile), inboxValues);
    Policy store = compile(policy(docs, "aiservice-operator-model-store"));
    Policy appNamespaces = compile(policy(docs, "aiservice-operator-app-namespaces"));
    String yaml = ofKind(docs, "ConfigMap").get(0).path("data").path("config.yaml").asText();
    OperatorConfig config = OperatorConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "chart config");
    var cronJob = de.dhoch3.aiservices.inbox.InboxCronJob.desired(config);
    assertThat(store.refusals(cronJob, OPERATOR)).isEmpty();
    assertThat(appNamespaces.refusals(cronJob, OPERATOR)).isEmpty();
    assertThat(store.refusals(cronJob, "alice")).as("the same CronJob by someone else").isNotEmpty();

    ObjectNode job = JSON.createObjectNode().put("apiVersion", "batch/v1").put("kind", "Job");
    job.set("metadata", Serialization.jsonMapper().valueToTree(cronJob).at("/spec/jobTemplate/metadata").deepCopy());
    ((ObjectNode) job.get("metadata")).put("name", "aiservice-inbox-29000000");
    ((ObjectNode) job.get("metadata")).putArray("ownerReferences").addObject()
        .put("apiVersion", "batch/v1").put("kind", "CronJob").put("name", "aiservice-inbox").put("uid", "c1").put("controller", true);
    job.set("spec", Serialization.jsonMapper().valueToTree(cronJob).at("/spec/jobTemplate/spec").deepCopy());
    assertThat(store.refusals(job, "system:serviceaccount:kube-system:cronjob-controller")).isEmpty();
    assertThat(appNamespaces.refusals(job, "system:serviceaccount:kube-system:cronjob-controller")).isEmpty();
    assertThat(store.refusals(job, "alice")).as("a Job written by hand").isNotEmpty();

    ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
    pod.set("metadata", job.at("/spec/template/metadata").deepCopy());
    ((ObjectNode) pod.get("metadata")).put("name", "aiservice-inbox-29000000-x");
    ((ObjectNode) pod.get("metadata")).putArray("ownerReferences").addObject()
        .put("apiVersion", "batch/v1").put("kind", "Job").put("name", "aiservice-inbox-29000000").put("uid", "j1").put("controller", true);
    pod.set("spec", job.at("/spec/template/spec").deepCopy());
    assertThat(store.refusals(pod, JOB_CONTROLLER)).isEmpty();
    assertThat(appNamespaces.refusals(pod, JOB_CONTROLLER)).isEmpty();

    ObjectNode lookalike = Serialization.jsonMapper().valueToTree(cronJob);
    ((ObjectNode) lookalike.at("/spec/jobTemplate/spec/template/spec/containers/0")).put("image", "evil/rsync:1");
    assertThat(store.refusals(lookalike, OPERATOR)).as("another image under the inbox's name").isNotEmpty();
    ObjectNode shell = Serialization.jsonMapper().valueToTree(cronJob);
    ((com.fasterxml.jackson.databind.node.ArrayNode) shell.at("/spec/jobTemplate/spec/template/spec/containers/0/command")).set(3,
        JSON.getNodeFactory().textNode("download"));
    assertThat(store.refusals(shell, OPERATOR)).as("the operator's image running something else than the inbox").isNotEmpty();
  }

  /** Other spellings of the store's folder on the node (and /proc/1/root, the node's root seen through PID 1). */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "//vol/service/cw/storage-models/models", "/vol/service/cw/storage-models/models/.", "/vol//service/cw/storage-models",
      "/vol/service/cw/./storage-models", "/vol/service/cw/storage-models/", "/vol/service/cw/storage/../storage-models",
      "/proc/1/root/vol/service/cw/storage-models"})
  void anotherSpellingOfTheStoreMountedWritableIsRefused(String spelling) throws Exception {
    Map<String, Object> pod = Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "p"),
        "spec", Map.of("volumes", List.of(Map.of("name", "s", "hostPath", Map.of("path", spelling))),
            "containers", List.of(Map.of("name", "c", "image", "busybox", "volumeMounts", List.of(Map.of("name", "s", "mountPath", "/x"))))));
    // even written by the operator's own identity
    assertThat(defaults.refusals(pod, OPERATOR)).as(spelling).isNotEmpty();
  }

  @Test
  void anInlineNfsVolumeIsRefused() throws Exception {
    Map<String, Object> pod = Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "p"),
        "spec", Map.of("volumes", List.of(Map.of("name", "n", "nfs", Map.of("server", "192.168.0.6", "path", "/ki_Daten/storage-models"))),
            "containers", List.of(Map.of("name", "c", "image", "busybox", "volumeMounts", List.of(Map.of("name", "n", "mountPath", "/x"))))));
    assertThat(apps.refusals(pod)).singleElement().asString().contains("inline network and node volumes");
  }

  @Test
  void aPrivilegedContainerIsRefused() throws Exception {
    assertThat(apps.refusals(pod(Map.of(), Map.of("privileged", true)))).singleElement().asString().contains("privileged");
  }

  @Test
  void hostPidIsRefused() throws Exception {
    assertThat(apps.refusals(pod(Map.of("hostPID", true), Map.of()))).singleElement().asString().contains("hostPID");
  }

  @Test
  void hostIpcIsRefused() throws Exception {
    assertThat(apps.refusals(pod(Map.of("hostIPC", true), Map.of()))).singleElement().asString().contains("hostIPC");
  }

  @Test
  void aCapabilityBeyondTheOperatorsOwnIsRefused() throws Exception {
    assertThat(apps.refusals(pod(Map.of(), Map.of("capabilities", Map.of("add", List.of("CHOWN", "SYS_ADMIN"))))))
        .singleElement().asString().contains("capabilities");
    assertThat(apps.refusals(pod(Map.of(), Map.of("capabilities", Map.of("add", List.of("CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID"))))))
        .as("what InvokeAI's entrypoint needs").isEmpty();
  }

  /** A plain pod with the given pod-level fields and one container with the given securityContext. */
  private static Map<String, Object> pod(Map<String, Object> podFields, Map<String, Object> securityContext) {
    Map<String, Object> spec = new LinkedHashMap<>(podFields);
    Map<String, Object> container = new LinkedHashMap<>(Map.of("name", "c", "image", "busybox"));
    if (!securityContext.isEmpty()) {
      container.put("securityContext", securityContext);
    }
    spec.put("containers", List.of(container));
    return Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "p"), "spec", spec);
  }

  @Test
  void theOneClaimLayoutTheOperatorAcceptsIsAdmittedAndItsStoreFolderStaysReadOnly() throws Exception {
    List<JsonNode> docs = HelmChartTest.renderWith(java.nio.file.Files.createTempDirectory("one-claim"), """
        storage:
          models: {claimName: studio, subPath: models}
          data: {claimName: studio, subPath: data}
          user: {claimName: studio, subPath: user}
        """);
    Policy oneClaim = compile(policy(docs, "aiservice-operator-model-store"));
    String yaml = ofKind(docs, "ConfigMap").get(0).path("data").path("config.yaml").asText();
    OperatorConfig config = OperatorConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "one claim");
    for (var profile : Catalog.all()) {
      var deployment = WorkloadBuilder.build(AppTranslationTest.aiservice(profile.defaults().app()), config).deployment();
      assertThat(oneClaim.refusals(deployment, OPERATOR)).as(profile.defaults().app().value()).isEmpty();
    }
    for (String subPath : List.of("models", "Models/loras", "models/", "./models", "", "data/../models", "models.", "models ", "Modelſ")) {
      Map<String, Object> mount = new LinkedHashMap<>(Map.of("name", "s", "mountPath", "/x"));
      if (!subPath.isEmpty()) {
        mount.put("subPath", subPath);
      }
      Map<String, Object> writer = Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "p"),
          "spec", Map.of("volumes", List.of(Map.of("name", "s", "persistentVolumeClaim", Map.of("claimName", "studio"))),
              "containers", List.of(Map.of("name", "c", "image", "busybox", "volumeMounts", List.of(mount)))));
      assertThat(oneClaim.refusals(writer)).as("writable subPath '" + subPath + "'").isNotEmpty();
    }
  }

  /** A hostPath pod in the apps' namespace: the node's runtime socket, or a folder below a root an app may have made a link. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"/run/containerd/containerd.sock", "/var/lib/kubelet/pods", "/",
      "/vol/service/cw/storage/ComfyUI/l", "/vol/service/cw/Storage-models"})
  void someoneElsesPodMountsNoHostFolder(String path) throws Exception {
    Map<String, Object> pod = Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "p"),
        "spec", Map.of("volumes", List.of(Map.of("name", "h", "hostPath", Map.of("path", path))),
            "containers", List.of(Map.of("name", "c", "image", "busybox", "volumeMounts", List.of(Map.of("name", "h", "mountPath", "/h"))))));
    assertThat(apps.refusals(pod, "alice")).as(path).anySatisfy(m -> assertThat(m).contains("host folder"));
  }

  @Test
  void aReplicaSetCopiedFromTheOperatorsByAPersonIsRefusedTheControllersOwnIsAdmitted() throws Exception {
    ObjectNode replicaSet = comfyDeployment().put("kind", "ReplicaSet");
    ((ObjectNode) replicaSet.get("metadata")).putArray("ownerReferences").addObject().put("apiVersion", "apps/v1").put("kind", "Deployment")
        .put("name", "comfyui").put("uid", "u").put("controller", true);
    assertThat(apps.refusals(replicaSet, "system:serviceaccount:kube-system:deployment-controller")).isEmpty();
    assertThat(apps.refusals(replicaSet, "alice")).singleElement().asString().contains("host folders are mounted only by");
  }

  @Test
  void kubectlRolloutRestartOfTheOperatorsDeploymentByAPersonIsAdmitted() throws Exception {
    ObjectNode restarted = comfyDeployment();
    ((ObjectNode) restarted.at("/spec/template/metadata")).putObject("annotations").put("kubectl.kubernetes.io/restartedAt", "2026-12-06T21:00:00Z");
    assertThat(defaults.refusals(restarted, comfyDeployment(), "alice")).isEmpty();
    assertThat(apps.refusals(restarted, comfyDeployment(), "alice")).isEmpty();
  }

  @Test
  void aStoreHostPathThatKubeletWouldCreateIsRefused() throws Exception {
    Map<String, Object> pod = Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "p"),
        "spec", Map.of("volumes", List.of(Map.of("name", "f", "hostPath",
                Map.of("path", "/vol/service/cw/storage-models/models/checkpoints/sdxl.safetensors", "type", "FileOrCreate"))),
            "containers", List.of(Map.of("name", "c", "image", "busybox", "volumeMounts", List.of(
                Map.of("name", "f", "mountPath", "/f", "readOnly", true))))));
    assertThat(defaults.refusals(pod, OPERATOR)).singleElement().asString().contains("DirectoryOrCreate or FileOrCreate");
  }

  @Test
  void aGitRepoVolumeIsRefused() throws Exception {
    Map<String, Object> pod = Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "p"),
        "spec", Map.of("volumes", List.of(Map.of("name", "g", "gitRepo", Map.of("repository", "https://example.com/x.git"))),
            "containers", List.of(Map.of("name", "c", "image", "busybox"))));
    assertThat(apps.refusals(pod)).singleElement().asString().contains("gitRepo");
  }

  @Test
  void seccompUnconfinedIsRefused() throws Exception {
    assertThat(apps.refusals(pod(Map.of(), Map.of("seccompProfile", Map.of("type", "Unconfined"))))).singleElement().asString().contains("seccomp");
  }

  @Test
  void anUnmaskedProcIsRefused() throws Exception {
    assertThat(apps.refusals(pod(Map.of(), Map.of("procMount", "Unmasked")))).singleElement().asString().contains("/proc");
  }

  @Test
  void aClaimOfAnotherNameOnTheStoresVolumeIsRefused() throws Exception {
    Policy claims = compile(policy(render(ROOT.resolve("examples/helm/multi-node-nfs.yaml")), "aiservice-operator-store-claims"));
    Map<String, Object> second = Map.of("apiVersion", "v1", "kind", "PersistentVolumeClaim", "metadata", Map.of("name", "my-models"),
        "spec", Map.of("volumeName", "studio-studio-models", "accessModes", List.of("ReadWriteMany")));
    assertThat(claims.refusals(second)).singleElement().asString().contains("studio-models");
    Map<String, Object> own = Map.of("apiVersion", "v1", "kind", "PersistentVolumeClaim", "metadata", Map.of("name", "studio-models"),
        "spec", Map.of("volumeName", "studio-studio-models", "accessModes", List.of("ReadOnlyMany")));
    assertThat(claims.refusals(own)).isEmpty();
  }

  @Test
  void theDownloadJobOfAWholeRepositoryIntoTheSharedHubCacheIsAdmitted() throws Exception {
    List<JsonNode> docs = HelmChartTest.renderWith(java.nio.file.Files.createTempDirectory("caches"), """
        storage:
          caches:
            hfHub: {hostPath: /vol/service/cw/storage-models/hf-hub}
        """);
    Policy withCaches = compile(policy(docs, "aiservice-operator-model-store"));
    String yaml = ofKind(docs, "ConfigMap").get(0).path("data").path("config.yaml").asText();
    OperatorConfig config = OperatorConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "caches");
    var repo = de.dhoch3.aiservices.models.AIModelTest.model("flux-dev-diffusers");
    repo.getSpec().source.huggingFace.repo = "black-forest-labs/FLUX.1-dev";
    repo.getSpec().source.huggingFace.file = null;
    repo.getSpec().category = null;
    var job = de.dhoch3.aiservices.models.ModelJobs.download(repo, de.dhoch3.aiservices.models.ModelJobs.plan(repo, config), config);
    assertThat(withCaches.refusals(job, OPERATOR)).isEmpty();
    assertThat(withCaches.refusals(job, "alice")).isNotEmpty();
    // and every app reads the cache read-only
    assertThat(withCaches.refusals(WorkloadBuilder.build(AppTranslationTest.aiservice(App.COMFYUI), config).deployment(), OPERATOR)).isEmpty();
  }

  /**
   * Other namespaces keep their node agents: a node exporter (hostNetwork, hostPID, / and /proc read-only)
   * or a GPU driver's privileged pod is none of the store policy's business; only the apps' namespaces are hardened.
   */
  @Test
  void nodeAgentsOutsideTheAppsNamespacesAreAdmitted() throws Exception {
    Map<String, Object> exporter = Map.of("apiVersion", "apps/v1", "kind", "DaemonSet", "metadata", Map.of("name", "node-exporter"),
        "spec", Map.of("template", Map.of("spec", Map.of("hostNetwork", true, "hostPID", true,
            "volumes", List.of(Map.of("name", "root", "hostPath", Map.of("path", "/")), Map.of("name", "proc", "hostPath", Map.of("path", "/proc"))),
            "containers", List.of(Map.of("name", "e", "image", "quay.io/prometheus/node-exporter:v1", "securityContext", Map.of("privileged", true),
                "volumeMounts", List.of(Map.of("name", "root", "mountPath", "/host", "readOnly", true),
                    Map.of("name", "proc", "mountPath", "/host/proc", "readOnly", true))))))));
    assertThat(defaults.refusals(exporter, "system:serviceaccount:kube-system:daemon-set-controller")).isEmpty();
    assertThat(apps.refusals(exporter, "system:serviceaccount:kube-system:daemon-set-controller")).as("in an apps' namespace").isNotEmpty();
    // the same agent writing through / would reach the store: refused everywhere
    Map<String, Object> writing = Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "p"),
        "spec", Map.of("volumes", List.of(Map.of("name", "root", "hostPath", Map.of("path", "/"))),
            "containers", List.of(Map.of("name", "c", "image", "x", "volumeMounts", List.of(Map.of("name", "root", "mountPath", "/host"))))));
    assertThat(defaults.refusals(writing)).isNotEmpty();
  }

  @Test
  void theAppsNamespacesAreTheLabelledOnesOrTheWatchedOnes() throws Exception {
    JsonNode clusterWide = ofKind(render(), "ValidatingAdmissionPolicyBinding").stream()
        .filter(b -> b.path("metadata").path("name").asText().endsWith("-app-namespaces")).findFirst().orElseThrow();
    assertThat(clusterWide.at("/spec/matchResources/namespaceSelector/matchLabels/ai.dhoch3.de~1apps").asText()).isEqualTo("true");
    JsonNode watched = ofKind(render(ROOT.resolve("examples/helm/multi-node-nfs.yaml")), "ValidatingAdmissionPolicyBinding").stream()
        .filter(b -> b.path("metadata").path("name").asText().endsWith("-app-namespaces")).findFirst().orElseThrow();
    assertThat(watched.at("/spec/matchResources/namespaceSelector/matchExpressions/0/values").toString()).isEqualTo("[\"studio\"]");
    // the studio chart's namespace and examples/studio carry the label
    JsonNode namespace = ofKind(HelmChartTest.renderStudio(Map.of(), ROOT.resolve("examples/helm/studio/single-gpu-server.yaml")), "Namespace").get(0);
    assertThat(namespace.at("/metadata/labels/ai.dhoch3.de~1apps").asText()).isEqualTo("true");
    assertThat(java.nio.file.Files.readString(ROOT.resolve("examples/studio/namespace.yaml"))).contains("ai.dhoch3.de/apps: \"true\"");
  }

  @Test
  void theOperatorsPodsMountNoHostFolderOutsideTheRoots() throws Exception {
    ObjectNode edited = comfyDeployment();
    ((ArrayNode) edited.at("/spec/template/spec/volumes")).addObject().put("name", "etc").putObject("hostPath").put("path", "/etc");
    assertThat(defaults.refusals(edited, OPERATOR)).singleElement().asString().contains("outside the configured storage roots");
  }

  @Test
  void aClaimHoldingTheStoreMustBeReadOnlyAsAVolumeAndAsAMount() throws Exception {
    Policy nfs = compile(policy(render(ROOT.resolve("examples/helm/multi-node-nfs.yaml")), "aiservice-operator-model-store"));
    Map<String, Object> writable = Map.of("apiVersion", "apps/v1", "kind", "Deployment", "metadata", Map.of("name", "d"),
        "spec", Map.of("template", Map.of("spec", Map.of(
            "volumes", List.of(Map.of("name", "m", "persistentVolumeClaim", Map.of("claimName", "studio-models"))),
            "containers", List.of(Map.of("name", "c", "image", "x:1", "volumeMounts", List.of(Map.of("name", "m", "mountPath", "/m", "readOnly", true))))))));
    assertThat(nfs.refusals(writable)).singleElement().asString().contains("persistentVolumeClaim.readOnly");
    Map<String, Object> other = Map.of("apiVersion", "apps/v1", "kind", "Deployment", "metadata", Map.of("name", "d"),
        "spec", Map.of("template", Map.of("spec", Map.of(
            "volumes", List.of(Map.of("name", "d", "persistentVolumeClaim", Map.of("claimName", "studio-data"))),
            "containers", List.of(Map.of("name", "c", "image", "x:1", "volumeMounts", List.of(Map.of("name", "d", "mountPath", "/d"))))))));
    assertThat(nfs.refusals(other)).isEmpty();
  }
}
