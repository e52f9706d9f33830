package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.apps.AppLayout;
import de.dhoch3.aiservices.apps.ContainerPaths;
import de.dhoch3.aiservices.apps.Shell;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code prepare} init container: a small fixed image from the operator configuration (never
 * the user's), root with only CHOWN and DAC_OVERRIDE, working on exactly the folders the operator
 * computed. It
 * <ul>
 *   <li>links the store's folders and files into the app's data folder, only those that exist
 *       (a missing category never stops an app and kubelet never creates anything in the store),
 *   <li>checks the store folders the app is pointed at directly, and refuses to start when a store
 *       folder the spec mounts by subPath is missing (kubelet would create it in the store),
 *   <li>makes the app's writable folders and links its own when it is not root (hostPath ignores
 *       fsGroup), never recursively,
 *   <li>runs the profile's own steps (e.g. Fooocus' config with a checkpoint the store has),
 *   <li>reports each store folder as {@code found}/{@code missing} in its termination message,
 *       which the operator reads from the pod into {@code status.modelPaths}.
 * </ul>
 */
final class PrepareFolders {
  static final String NAME = "prepare";
  static final String OUTPUT = "/aiservice/output";

  /** Shell functions of the step; arguments: store-relative source, data-relative link, path the app resolves. */
  private static final String FUNCTIONS = String.join("\n",
      "report() { echo \"$1\"; echo \"$1\" >> /dev/termination-log; }",
      // a step that did not happen is never reported as done: the pod stops here, its status names the path
      "fail() { report \"failed $1: $2\"; exit 1; }",
      "link_folder() {",
      "  src=\"" + AppLayout.PREPARE_MODELS + "/$1\"; at=\"" + AppLayout.PREPARE_DATA + "/$2\"",
      "  mkdir -p \"$(dirname \"$at\")\"",
      "  if [ -d \"$src\" ]; then",
      "    if [ -L \"$at\" ] || [ ! -e \"$at\" ] || rmdir \"$at\" 2>/dev/null; then",
      "      ln -sfn \"$3\" \"$at\" || fail \"$2\" \"cannot link it to the store's $1\"; report \"found $1\";",
      "    else report \"kept $1: the app's own folder $2 is not empty, so it is kept and the store's $1 is not linked\"; fi",
      "  else",
      "    if [ -L \"$at\" ]; then rm \"$at\"; fi",
      "    mkdir -p \"$at\" || fail \"$2\" \"cannot make the app's own folder\"; report \"missing $1\"",
      "  fi",
      "}",
      "link_file() {",
      "  src=\"" + AppLayout.PREPARE_MODELS + "/$1\"; at=\"" + AppLayout.PREPARE_DATA + "/$2\"",
      "  mkdir -p \"$(dirname \"$at\")\"",
      "  if [ -f \"$src\" ]; then",
      "    if [ -L \"$at\" ] || [ ! -e \"$at\" ]; then ln -sfn \"$3\" \"$at\" || fail \"$2\" \"cannot link it to the store's $1\"; report \"found $1\";"
          + " else report \"kept $1: the app's own $2 is there, so the store's $1 is not linked\"; fi",
      "  else",
      "    if [ -L \"$at\" ]; then rm \"$at\"; fi; report \"missing $1\"",
      "  fi",
      "}",
      // a file that may lie in one of several store places (Flux in diffusion_models/ or diffusion_models/FLUX1/): the first found
      "link_file_any() {",
      "  at=\"" + AppLayout.PREPARE_DATA + "/$1\"; first=\"$2\"; shift",
      "  mkdir -p \"$(dirname \"$at\")\"",
      "  while [ $# -ge 2 ]; do",
      "    if [ -f \"" + AppLayout.PREPARE_MODELS + "/$1\" ]; then",
      "      if [ -L \"$at\" ] || [ ! -e \"$at\" ]; then ln -sfn \"$2\" \"$at\" || fail \"${at#" + AppLayout.PREPARE_DATA + "/}\" \"cannot link it to the store's $1\";",
      "        report \"found $first\"; else report \"kept $first: the app's own ${at#" + AppLayout.PREPARE_DATA + "/} is there, so the store's file is not linked\"; fi; return",
      "    fi",
      "    shift 2",
      "  done",
      "  if [ -L \"$at\" ]; then rm \"$at\"; fi; report \"missing $first\"",
      "}",
      // links under an own folder into a store folder whose entry went: removed (all before any linking,
      // so two store folders mirrored into one own folder cannot undo each other)
      "prune_links() {",
      "  at=\"$1\"; [ -d \"$at\" ] || return 0",
      "  find \"$at\" -type l | while IFS= read -r l; do t=\"$(readlink \"$l\")\"; case \"$t\" in \"$3\"/*)",
      "    rel=\"${t#\"$3\"/}\"; if [ ! -e \"$2/$rel\" ] && [ ! -L \"$2/$rel\" ]; then rm \"$l\"; fi;; esac; done",
      "}",
      // a real folder tree of the app's own mirroring a store tree: real folders, a link per file (apps that walk
      // their folders without following links, and download into them, see every file and write on their own side)
      "mirror() {",
      "  src=\"$1\"; at=\"$2\"; name=\"$4\"",
      "  if [ -L \"$at\" ]; then rm \"$at\"; fi",
      "  mkdir -p \"$at\" || fail \"$name\" \"cannot make the app's own folder\"",
      "  if [ ! -d \"$src\" ]; then return 1; fi",
      "  (cd \"$src\" && find . -mindepth 1 -type d) | while IFS= read -r d; do d=\"${d#./}\";",
      "    if [ -L \"$at/$d\" ]; then rm \"$at/$d\"; fi; mkdir -p \"$at/$d\" || fail \"$name/$d\" \"cannot make the app's own folder\"; done || exit 1",
      "  (cd \"$src\" && find . ! -type d) | while IFS= read -r f; do f=\"${f#./}\";",
      "    if [ ! -e \"$at/$f\" ] && [ ! -L \"$at/$f\" ]; then ln -s \"$3/$f\" \"$at/$f\" || fail \"$name/$f\" \"cannot link the store's file\"; fi; done || exit 1",
      "  return 0",
      "}",
      "link_entries() {",
      "  if mirror \"" + AppLayout.PREPARE_MODELS + "/$1\" \"" + AppLayout.PREPARE_DATA + "/$2\" \"$3\" \"$2\"; then report \"found $1\"; else report \"missing $1\"; fi",
      "}",
      "check() { if [ -e \"" + AppLayout.PREPARE_MODELS + "/$1\" ]; then report \"found $1\"; else report \"missing $1\"; fi; }",
      "require() {",
      "  if [ -e \"" + AppLayout.PREPARE_MODELS + "/$1\" ]; then report \"found $1\"; else",
      "    report \"missing $1: spec.models mounts it, and kubelet would create it inside the store; add it to the store or remove the mount\"",
      "    exit 1; fi",
      "}",
      ": > /dev/termination-log");

  private PrepareFolders() {}

  /** Null when there is nothing to prepare. */
  static Container container(String image, ResolvedSpec resolved, ContainerPaths paths, AppLayout layout, Long uid,
      boolean hasConfig) {
    List<String> script = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    Set<String> owned = new LinkedHashSet<>();
    boolean needsStore = !layout.storeLinks.isEmpty() || !layout.entryLinks.isEmpty() || !layout.storeChecks.isEmpty()
        || !layout.storeMounts.isEmpty();
    if (needsStore) {
      mounts.add(resolved.roots().models().mount("", AppLayout.PREPARE_MODELS, true));
    }
    mounts.add(resolved.roots().data().mount(resolved.serviceDir(), AppLayout.PREPARE_DATA, false));
    owned.add(AppLayout.PREPARE_DATA);
    if (paths.output() != null) {
      mounts.add(resolved.roots().user().mount("output/" + resolved.serviceDir(), OUTPUT, false));
      owned.add(OUTPUT);
    }
    int i = 0;
    List<String> userPaths = new ArrayList<>();
    for (AppLayout.UserMount user : layout.userMounts) {
      if (!user.readOnly()) {
        String path = "/aiservice/user-" + i++;
        mounts.add(resolved.roots().user().mount(user.source(), path, false));
        owned.add(path);
        userPaths.add(path);
      }
    }
    for (AppLayout.PrepareMount extra : layout.prepareMounts) {
      mounts.add(resolved.roots().user().mount(extra.source(), extra.path(), extra.readOnly()));
    }
    mounts.addAll(layout.extraPrepareMounts);
    if (hasConfig) {
      mounts.add(new VolumeMountBuilder().withName(WorkloadBuilder.CONFIG_VOLUME).withMountPath(AppLayout.PREPARE_CONFIG).withReadOnly(true).build());
    }
    for (String dataPath : layout.ownedDataPaths) {
      script.add("mkdir -p " + Shell.quote(AppLayout.PREPARE_DATA + "/" + dataPath) + " || fail " + Shell.quote(dataPath)
          + " \"cannot make the app's folder\"");
      owned.add(AppLayout.PREPARE_DATA + "/" + dataPath);
    }
    String modelsInApp = paths.models();
    for (AppLayout.StoreLink link : layout.storeLinks) {
      if (!link.folder() && !link.alternatives().isEmpty()) {
        StringBuilder any = new StringBuilder("link_file_any " + Shell.quote(link.link()));
        List<String> sources = new ArrayList<>(List.of(link.source()));
        sources.addAll(link.alternatives());
        sources.forEach(source -> any.append(' ').append(Shell.quote(source)).append(' ').append(Shell.quote(modelsInApp + "/" + source)));
        script.add(any.toString());
      } else {
        script.add((link.folder() ? "link_folder " : "link_file ") + Shell.quote(link.source()) + " " + Shell.quote(link.link())
            + " " + Shell.quote(modelsInApp + "/" + link.source()));
      }
      // the link and the folders leading to it (not the store behind it)
      String at = link.link();
      while (true) {
        owned.add(AppLayout.PREPARE_DATA + "/" + at);
        int slash = at.lastIndexOf('/');
        if (slash < 0) {
          break;
        }
        at = at.substring(0, slash);
      }
    }
    for (AppLayout.StoreLink link : layout.entryLinks) {
      script.add("prune_links " + Shell.quote(AppLayout.PREPARE_DATA + "/" + link.link()) + " " + Shell.quote(AppLayout.PREPARE_MODELS + "/" + link.source())
          + " " + Shell.quote(modelsInApp + "/" + link.source()));
    }
    for (AppLayout.StoreLink link : layout.entryLinks) {
      script.add("link_entries " + Shell.quote(link.source()) + " " + Shell.quote(link.link()) + " " + Shell.quote(modelsInApp + "/" + link.source()));
      owned.add(AppLayout.PREPARE_DATA + "/" + link.link());
    }
    layout.storeChecks.forEach(source -> script.add("check " + Shell.quote(source)));
    layout.storeMounts.forEach(mount -> script.add("require " + Shell.quote(mount.source())));
    script.addAll(layout.prepareCommands);
    layout.ownedDataFiles.forEach(file -> owned.add(AppLayout.PREPARE_DATA + "/" + file));
    if (uid != null && uid != 0) {
      // not recursive: only the folders and links made here; what the app writes is already its own
      script.add("for path in " + String.join(" ", owned.stream().map(Shell::quote).toList()) + "; do");
      script.add("  if [ -e \"$path\" ] || [ -L \"$path\" ]; then chown -h " + uid + ":" + uid + " \"$path\" || fail \"$path\" \"cannot give it to UID "
          + uid + ", the app's user\"; fi");
      script.add("done");
      // folders of a migrated tree the app writes into (its image's copy target, its outputs, uploads and datasets):
      // every folder not yet the app user's is handed over; files are left as they are (a hard link to a
      // store file must never change owner), links are never followed
      List<String> trees = new ArrayList<>();
      layout.handedOverTrees.forEach(tree -> trees.add(AppLayout.PREPARE_DATA + "/" + tree));
      if (paths.output() != null) {
        trees.add(OUTPUT);
      }
      trees.addAll(userPaths);
      for (String tree : trees) {
        script.add("find " + Shell.quote(tree) + " -xdev -type d ! -user " + uid + " -exec chown " + uid + ":" + uid + " {} + || fail "
            + Shell.quote(tree.replace(AppLayout.PREPARE_DATA + "/", "")) + " \"cannot give its folders to UID " + uid + ", the app's user\"");
      }
    }
    if (script.isEmpty()) {
      return null;
    }
    Container container = new ContainerBuilder()
        .withName(NAME)
        .withImage(image)
        .withCommand("sh", "-c", FUNCTIONS + "\n" + String.join("\n", script) + "\n")
        .build();
    // set as built: the builder would copy every mount twice
    container.setVolumeMounts(mounts);
    Map<String, Quantity> requests = new LinkedHashMap<>();
    requests.put("cpu", new Quantity("10m"));
    requests.put("memory", new Quantity("16Mi"));
    Map<String, Quantity> limits = new LinkedHashMap<>();
    limits.put("memory", new Quantity("64Mi"));
    ResourceRequirements resources = new ResourceRequirements();
    resources.setRequests(requests);
    resources.setLimits(limits);
    container.setResources(resources);
    container.setSecurityContext(PodSecurity.prepareStep());
    return container;
  }
}
