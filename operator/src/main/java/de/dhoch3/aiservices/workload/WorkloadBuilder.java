package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.apps.AppDefaults;
import de.dhoch3.aiservices.apps.AppLayout;
import de.dhoch3.aiservices.apps.AppProfile;
import de.dhoch3.aiservices.apps.Catalog;
import de.dhoch3.aiservices.apps.ContainerPaths;
import de.dhoch3.aiservices.apps.LayoutRequest;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.gpu.GpuPlan;
import de.dhoch3.aiservices.gpu.GpuScheduling;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The desired state of an AIService as a pure function of the resource and the operator
 * configuration. Validation happens here too, before anything is built: an invalid spec throws
 * {@link InvalidSpecException} and yields no object at all.
 */
public final class WorkloadBuilder {
  public static final String CONFIG_HASH_ANNOTATION = "ai.dhoch3.de/config-hash";
  /**
   * On the pod template in dra mode: the device class and count claimed. A pod's ResourceClaim is made
   * from the template once and never updated (Kubernetes {@code staging/src/k8s.io/api/resource/v1/types.go},
   * ResourceClaimTemplate.Spec: "This field is immutable. A ResourceClaim will get created by the
   * control plane for a Pod when needed and then not get updated anymore"): a changed claim must roll the pod.
   */
  public static final String GPU_CLAIM_ANNOTATION = "ai.dhoch3.de/gpu-claim";
  static final String CONTAINER = "app";
  static final String CONFIG_VOLUME = AppLayout.CONFIG_VOLUME;
  static final String PORT_NAME = "http";

  private WorkloadBuilder() {}

  public static Workload build(AIService ai, OperatorConfig config) {
    AIServiceSpec spec = ai.getSpec();
    if (spec == null || spec.app == null) {
      throw new InvalidSpecException("spec.app", "required; one of comfyui, forge, forge-neo, fooocus, invokeai, fluxgym, ai-toolkit, custom");
    }
    if (!Catalog.has(spec.app)) {
      throw new InvalidSpecException("spec.app", "'" + spec.app.value() + "' has no catalog entry in this operator version; use app: custom with an image");
    }
    String metadataName = ai.getMetadata().getName();
    if (metadataName == null || !metadataName.matches("[a-z]([-a-z0-9]{0,61}[a-z0-9])?")) {
      throw new InvalidSpecException("metadata.name", "'" + metadataName
          + "' must be a DNS label (lowercase letters, digits and '-', starting with a letter, at most 63 characters) because it names the Service");
    }
    AppProfile profile = Catalog.profile(spec.app);
    AppDefaults defaults = profile.defaults();
    String name = ai.getMetadata().getName();
    Map<String, String> labels = Labels.of(ai);

    ResolvedSpec resolved = ResolvedSpec.resolve(ai, defaults, config);
    GpuPlan gpu = GpuScheduling.plan(spec.gpu, config.gpu, ai.getMetadata(), labels);
    ContainerPaths paths = resolved.paths();
    AppLayout layout = profile.translate(
        new LayoutRequest(name, resolved.image(), resolved.serviceDir(), paths, resolved.port(), resolved.categories(), spec));
    // user-listed single files and folders of the store: a link where the target lies in the app's
    // data folder (made only if the source exists), else a read-only subPath mount that the prepare
    // step requires to exist (kubelet would create a missing one inside the store)
    List<String> files = spec.models == null || spec.models.files == null ? List.of() : spec.models.files.stream().map(f -> f.target).toList();
    for (AppLayout.StoreMount m : resolved.extraStoreMounts()) {
      String link = DataTargets.relative(m.target(), paths, layout);
      if (link != null) {
        layout.storeLinks.add(new AppLayout.StoreLink(m.source(), link, !files.contains(m.target())));
        layout.modelPath(m.source(), m.source(), m.target(), "link (read-only store)");
      } else {
        layout.storeMounts.add(m);
        layout.modelPath(m.source(), m.source(), m.target(), "mount (read-only)");
      }
    }

    List<Volume> cacheVolumes = SharedCaches.apply(config, profile, paths, layout);
    ConfigMap configMap = configMap(ai, labels, layout);
    List<VolumeMount> mounts = Mounts.of(resolved, paths, layout);
    List<Volume> volumes = new ArrayList<>(List.of(
        resolved.roots().models().volume(), resolved.roots().data().volume(), resolved.roots().user().volume()));
    volumes.addAll(cacheVolumes);
    if (configMap != null) {
      volumes.add(new VolumeBuilder().withName(CONFIG_VOLUME)
          .withNewConfigMap().withName(configMap.getMetadata().getName()).endConfigMap().build());
    }

    Long specUid = spec.container != null ? spec.container.runAsUser : null;
    Long uid = specUid != null ? specUid : defaults.runAsUid();
    List<Container> initContainers = new ArrayList<>();
    Container prepare = PrepareFolders.container(config.images.prepare, resolved, paths, layout, uid, configMap != null);
    if (prepare != null) {
      initContainers.add(prepare);
    }
    for (AppLayout.AppStep step : layout.steps) {
      Container stepContainer = new ContainerBuilder().withName(step.name()).withImage(resolved.image())
          .withCommand("sh", "-c", step.script())
          .build();
      stepContainer.setVolumeMounts(new ArrayList<>(List.of(resolved.roots().data().mount(resolved.serviceDir(), AppLayout.PREPARE_DATA, false))));
      stepContainer.setSecurityContext(PodSecurity.container(specUid, List.of()));
      initContainers.add(stepContainer);
    }
    Container container = container(spec, defaults, resolved, gpu, layout, mounts);
    container.setSecurityContext(PodSecurity.container(specUid, defaults.capabilities()));
    layout.sidecars.forEach(sidecar -> sidecar.setSecurityContext(PodSecurity.container(null, List.of())));
    PodSpec podSpec = podSpec(spec, gpu, layout, container, volumes, initContainers);
    Deployment deployment = deployment(ai, labels, podSpec, configMap, gpu.claimTemplate(), resolved.startupSeconds());
    Service service = ServiceFactory.service(ai, labels, resolved.port());
    Ingress ingress = IngressFactory.ingress(ai, labels, config, service);

    String url = ingress != null
        ? IngressFactory.url(ingress)
        : "http://" + name + "." + ai.getMetadata().getNamespace() + ".svc:" + service.getSpec().getPorts().get(0).getPort();
    Workload workload = new Workload(deployment, service, configMap, ingress, gpu.claimTemplate(), List.copyOf(layout.modelPaths), url);
    workload.objects().forEach(object -> {
      own(object, ai);
      Labels.recordOwnedAnnotations(object);
    });
    return workload;
  }

  private static Container container(AIServiceSpec spec, AppDefaults defaults, ResolvedSpec resolved, GpuPlan gpu,
      AppLayout layout, List<VolumeMount> mounts) {
    List<String> args = new ArrayList<>(layout.args);
    if (spec.args != null) {
      args.addAll(spec.args);
    }
    // the user's value of the app's args variable is appended to the operator's flags, never replaces them
    if (defaults.argsEnv() != null && spec.env != null) {
      spec.env.stream().filter(e -> defaults.argsEnv().equals(e.getName()) && e.getValue() != null && !e.getValue().isBlank())
          .forEach(e -> args.add(e.getValue().trim()));
    }
    // the operator's env first, the user's wins on a name clash
    Map<String, EnvVar> env = new LinkedHashMap<>();
    layout.env.forEach(e -> env.put(e.getName(), e));
    gpu.env().forEach(e -> env.put(e.getName(), e));
    if (defaults.argsEnv() != null && !args.isEmpty()) {
      env.put(defaults.argsEnv(), new EnvVar(defaults.argsEnv(), String.join(" ", args), null));
    }
    if (spec.env != null) {
      spec.env.stream().filter(e -> defaults.argsEnv() == null || !defaults.argsEnv().equals(e.getName()))
          // a copy: the Deployment never shares an object with the AIService it was built from
          .forEach(e -> env.put(e.getName(), new io.fabric8.kubernetes.api.model.EnvVarBuilder(e).build()));
    }
    List<String> command = spec.container != null && spec.container.command != null ? spec.container.command : defaults.command();

    Container container = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(resolved.image())
        .withImagePullPolicy(resolved.image().endsWith(":latest") || !resolved.image().contains(":") ? "Always" : "IfNotPresent")
        .withCommand(command)
        .withArgs(defaults.argsEnv() == null && !args.isEmpty() ? args : null)
        .build();
    // set as built: the builder's withEnv, withVolumeMounts, withResources and nested probes copy each
    // of them twice (a tenth of building the desired state, twice per AIService)
    container.setEnv(env.isEmpty() ? null : new ArrayList<>(env.values()));
    ContainerPort port = new ContainerPort();
    port.setName(PORT_NAME);
    port.setContainerPort(resolved.port());
    port.setProtocol("TCP");
    container.setPorts(new ArrayList<>(List.of(port)));
    container.setResources(Resources.merge(spec.resources, gpu));
    container.setVolumeMounts(new ArrayList<>(mounts));
    container.setReadinessProbe(probe(httpGet(resolved.readinessPath()), null, 10, 5, 3));
    // first starts download weights and compile kernels: allow minutes before liveness counts
    container.setStartupProbe(probe(httpGet(resolved.readinessPath()), null, 10, 5, Math.max(1, resolved.startupSeconds() / 10)));
    // a busy generation may delay HTTP answers; only a dead listener restarts the app
    container.setLivenessProbe(probe(null, new TCPSocketAction(null, new IntOrString(PORT_NAME)), 30, 10, 6));
    return container;
  }

  private static HTTPGetAction httpGet(String path) {
    HTTPGetAction get = new HTTPGetAction();
    get.setPath(path);
    get.setPort(new IntOrString(PORT_NAME));
    return get;
  }

  private static Probe probe(HTTPGetAction httpGet, TCPSocketAction tcpSocket, int periodSeconds, int timeoutSeconds, int failureThreshold) {
    Probe probe = new Probe();
    probe.setHttpGet(httpGet);
    probe.setTcpSocket(tcpSocket);
    probe.setPeriodSeconds(periodSeconds);
    probe.setTimeoutSeconds(timeoutSeconds);
    probe.setFailureThreshold(failureThreshold);
    return probe;
  }

  private static PodSpec podSpec(AIServiceSpec spec, GpuPlan gpu, AppLayout layout, Container container, List<Volume> volumes,
      List<Container> initContainers) {
    List<Container> containers = new ArrayList<>();
    containers.add(container);
    containers.addAll(layout.sidecars);
    PodSpecBuilder builder = new PodSpecBuilder()
        // apps never talk to the Kubernetes API: no token in the pod
        .withAutomountServiceAccountToken(false)
        .withSecurityContext(PodSecurity.pod())
        .withRuntimeClassName(gpu.runtimeClassName())
        // Service env links would inject e.g. INVOKEAI_PORT=tcp://... which apps read as their own config
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(30L);
    Scheduling.apply(builder, spec, gpu);
    if (gpu.claimTemplate() != null) {
      builder.addNewResourceClaim().withName(gpu.claimName())
          .withResourceClaimTemplateName(gpu.claimTemplate().getMetadata().getName()).endResourceClaim();
    }
    PodSpec pod = builder.build();
    // set as built: the builder's withContainers/withVolumes would copy every container and volume
    pod.setContainers(containers);
    pod.setInitContainers(initContainers.isEmpty() ? null : new ArrayList<>(initContainers));
    pod.setVolumes(new ArrayList<>(volumes));
    return pod;
  }

  private static Deployment deployment(AIService ai, Map<String, String> labels, PodSpec podSpec, ConfigMap configMap,
      io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate claimTemplate, int startupSeconds) {
    boolean suspended = Boolean.TRUE.equals(ai.getSpec().suspend);
    Map<String, String> podAnnotations = new TreeMap<>();
    if (configMap != null) {
      // subPath mounts never see ConfigMap updates: roll the pod when the generated config changes
      podAnnotations.put(CONFIG_HASH_ANNOTATION, hash(configMap.getData()));
    }
    if (claimTemplate != null) {
      podAnnotations.put(GPU_CLAIM_ANNOTATION, claimTemplate.getSpec().getSpec().getDevices().getRequests().stream()
          .map(request -> request.getExactly().getDeviceClassName() + " x" + request.getExactly().getCount())
          .collect(java.util.stream.Collectors.joining(", ")));
    }
    Deployment deployment = new DeploymentBuilder()
        .withNewMetadata().withName(Names.workload(ai)).withNamespace(ai.getMetadata().getNamespace())
          .withLabels(labels).endMetadata()
        .withNewSpec()
          .withReplicas(suspended ? 0 : 1)
          // one GPU holder at a time and one writer of the app's SQLite files: never two pods
          .withNewStrategy().withType("Recreate").endStrategy()
          .withRevisionHistoryLimit(3)
          // a first start may download and compile for startupSeconds: only past that (plus image pull time) is a rollout stuck
          .withProgressDeadlineSeconds(startupSeconds + 900)
          .withNewSelector().withMatchLabels(Labels.selector(ai)).endSelector()
        .endSpec()
        .build();
    // attached as built: a nested builder (withSpec(podSpec) ... endTemplate().endSpec()) would copy
    // the whole pod spec at every level, the largest single cost of a reconcile in the benchmark
    deployment.getSpec().setTemplate(new PodTemplateSpec(
        new ObjectMetaBuilder().withLabels(labels).withAnnotations(podAnnotations).build(), podSpec));
    return deployment;
  }

  private static ConfigMap configMap(AIService ai, Map<String, String> labels, AppLayout layout) {
    if (layout.configFiles.isEmpty()) {
      return null;
    }
    Map<String, String> data = new TreeMap<>();
    layout.configFiles.forEach(file -> data.put(file.key(), file.content()));
    return new ConfigMapBuilder()
        .withNewMetadata().withName(Names.configMap(ai)).withNamespace(ai.getMetadata().getNamespace())
          .withLabels(labels).endMetadata()
        .withData(data)
        .build();
  }

  /** Owner references make deletion of the AIService remove what it owns, and only that. */
  private static void own(HasMetadata object, AIService ai) {
    if (ai.getMetadata().getUid() != null) {
      object.addOwnerReference(new OwnerReferenceBuilder()
          .withApiVersion(ai.getApiVersion()).withKind(ai.getKind())
          .withName(ai.getMetadata().getName()).withUid(ai.getMetadata().getUid())
          .withController(true).withBlockOwnerDeletion(true)
          .build());
    }
  }

  private static String hash(Map<String, String> data) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      new TreeMap<>(data).forEach((k, v) -> {
        digest.update(k.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(Objects.toString(v, "").getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      });
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
