package de.dhoch3.aiservices.workload;

import de.dhoch3.aiservices.api.VolumeRef;
import de.dhoch3.aiservices.apps.AppLayout;
import de.dhoch3.aiservices.apps.AppProfile;
import de.dhoch3.aiservices.apps.ContainerPaths;
import de.dhoch3.aiservices.apps.Shell;
import de.dhoch3.aiservices.config.OperatorConfig;
import de.dhoch3.aiservices.config.RootRules;
import de.dhoch3.aiservices.storage.SafePaths;
import de.dhoch3.aiservices.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's shared download caches (operator configuration {@code storage.caches}): the
 * studio's Hugging Face hub cache and PyTorch hub cache, read-only for every app. Neither library
 * can read a second, read-only cache, so each app gets a cache of its own on its data volume
 * ({@code HF_HUB_CACHE}, {@code TORCH_HOME}) in which the prepare step mirrors every repository of
 * the shared hub cache (real folders, a link per file, refs copied) and links every file of the
 * shared torch checkpoints: what the studio already downloaded is found without a download, and
 * whatever the libraries write (new blobs, snapshots, refs, temporary files) lands in the app's own
 * cache. Pure.
 */
final class SharedCaches {
  static final String HF_VOLUME = "hf-hub";
  static final String TORCH_VOLUME = "torch-hub";
  static final String HF_IN_APP = "/caches/hf-hub";
  static final String TORCH_IN_APP = "/caches/torch-hub";

  private SharedCaches() {}

  /** Adds the cache volumes, mounts, env and prepare commands; returns the volumes to add to the pod. */
  static List<Volume> apply(OperatorConfig config, AppProfile profile, ContainerPaths paths, AppLayout layout) {
    List<Volume> volumes = new ArrayList<>();
    String[] own = profile.cacheFolder(paths);
    if (own == null) {
      return volumes;
    }
    VolumeRef hf = config.storage.caches == null ? null : config.storage.caches.hfHub;
    VolumeRef torch = config.storage.caches == null ? null : config.storage.caches.torchHub;
    if (hf != null) {
      volumes.add(volume(HF_VOLUME, hf, "storage.caches.hfHub", config));
      mount(layout, HF_VOLUME, HF_IN_APP, hf);
      String hub = own[0] + "/huggingface/hub";
      layout.env("HF_HUB_CACHE", own[1] + "/huggingface/hub");
      layout.ownedDataPaths.addAll(List.of(own[0], own[0] + "/huggingface", hub));
      // every repository (models--org--name, datasets--...) mirrored: real folders, a link per blob and per snapshot
      // file, the refs copied. huggingface_hub writes new blobs, snapshot links, temporary files and refs into
      // the repository's folders (file_download.py): all of them land on the app's side, the shared copy is only read
      String ownHub = AppLayout.PREPARE_DATA + "/" + hub;
      layout.prepareCommands.add("for r in " + prepare(HF_VOLUME) + "/models--* " + prepare(HF_VOLUME) + "/datasets--*; do if [ -d \"$r\" ]; then"
          + " n=\"$(basename \"$r\")\"; o=" + Shell.quote(ownHub) + "/\"$n\"; if [ -L \"$o\" ]; then rm \"$o\"; fi;"
          + " for part in blobs snapshots; do prune_links \"$o/$part\" \"$r/$part\" " + Shell.quote(HF_IN_APP) + "/\"$n/$part\";"
          + " mirror \"$r/$part\" \"$o/$part\" " + Shell.quote(HF_IN_APP) + "/\"$n/$part\" \"" + hub + "/$n/$part\" || mkdir -p \"$o/$part\"; done;"
          + " if [ -d \"$r/refs\" ]; then (cd \"$r/refs\" && find . -type f) | while IFS= read -r ref; do ref=\"${ref#./}\";"
          + " if [ ! -e \"$o/refs/$ref\" ]; then mkdir -p \"$(dirname \"$o/refs/$ref\")\" && cp \"$r/refs/$ref\" \"$o/refs/$ref\""
          + " || fail \"" + hub + "/$n/refs/$ref\" \"cannot copy the shared ref\"; fi; done || exit 1; fi; fi; done");
    }
    if (torch != null) {
      volumes.add(volume(TORCH_VOLUME, torch, "storage.caches.torchHub", config));
      mount(layout, TORCH_VOLUME, TORCH_IN_APP, torch);
      String hub = own[0] + "/torch/hub";
      layout.env("TORCH_HOME", own[1] + "/torch");
      layout.ownedDataPaths.addAll(List.of(own[0], own[0] + "/torch", hub, hub + "/checkpoints"));
      // torch.hub downloads weights into hub/checkpoints: a real folder, the shared files linked in; hub repos linked whole
      layout.prepareCommands.add(linkEach(prepare(TORCH_VOLUME) + "/checkpoints/*", hub + "/checkpoints", TORCH_IN_APP + "/checkpoints"));
      layout.prepareCommands.add(linkEach(prepare(TORCH_VOLUME) + "/*_*", hub, TORCH_IN_APP));
    }
    return volumes;
  }

  private static String prepare(String volume) {
    return "/aiservice/" + volume;
  }

  /** For each existing entry of the globs, a link in the app's folder unless it has an entry of that name; links to gone entries removed. */
  private static String linkEach(String globs, String ownRelative, String seenAt) {
    String at = AppLayout.PREPARE_DATA + "/" + ownRelative;
    return "for l in " + Shell.quote(at) + "/*; do if [ -L \"$l\" ]; then case \"$(readlink \"$l\")\" in " + Shell.quote(seenAt)
        + "/*) if [ ! -e \"$l\" ]; then rm \"$l\"; fi;; esac; fi; done; "
        + "for f in " + globs + "; do if [ -e \"$f\" ]; then n=\"$(basename \"$f\")\"; "
        + "if [ ! -e " + Shell.quote(at) + "/\"$n\" ] && [ ! -L " + Shell.quote(at) + "/\"$n\" ]; then ln -s " + Shell.quote(seenAt) + "/\"$n\" "
        + Shell.quote(at) + "/\"$n\" || fail " + Shell.quote(ownRelative) + "/\"$n\" \"cannot link the shared cache's $n\"; fi; fi; done";
  }

  private static void mount(AppLayout layout, String volume, String inApp, VolumeRef ref) {
    String sub = ref.subPath == null || ref.subPath.isBlank() || ref.hostPath != null ? null : ref.subPath;
    layout.extraAppMounts.add(new VolumeMountBuilder().withName(volume).withMountPath(inApp).withSubPath(sub)
        .withReadOnly(true).withRecursiveReadOnly("IfPossible").build());
    layout.extraPrepareMounts.add(new VolumeMountBuilder().withName(volume).withMountPath(prepare(volume)).withSubPath(sub)
        .withReadOnly(true).withRecursiveReadOnly("IfPossible").build());
  }

  private static Volume volume(String name, VolumeRef ref, String field, OperatorConfig config) {
    VolumeBuilder volume = new VolumeBuilder().withName(name);
    if (ref.claimName != null && !ref.claimName.isBlank()) {
      return volume.withNewPersistentVolumeClaim().withClaimName(ref.claimName).withReadOnly(true).endPersistentVolumeClaim().build();
    }
    String host = SafePaths.absolute("operator configuration " + field + ".hostPath", ref.hostPath);
    if (ref.subPath != null && !ref.subPath.isBlank()) {
      host = host + "/" + SafePaths.relative("operator configuration " + field + ".subPath", ref.subPath);
    }
    String refused = RootRules.hostPathProblem("models", host, config);
    if (refused != null) {
      throw new InvalidSpecException("operator configuration " + field + ".hostPath", refused);
    }
    return volume.withNewHostPath().withPath(host).withType("Directory").endHostPath().build();
  }
}
