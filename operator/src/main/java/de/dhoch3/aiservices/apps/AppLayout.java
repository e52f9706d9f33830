package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.api.ModelPath;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.ArrayList;
import java.util.List;

/**
 * The result of translating the shared store into one app's layout: what to add to the
 * container beyond the base mounts. Store mounts are always read-only; the workload builder
 * enforces that, a profile cannot ask otherwise.
 */
public final class AppLayout {

  /** A file generated into the AIService's ConfigMap, mounted read-only at {@code mountPath} (null: only the prepare step reads it). */
  public record ConfigFile(String key, String mountPath, String content) {}

  /** A store folder or file ({@code source} relative to the store root) seen at {@code target}. */
  public record StoreMount(String source, String target) {}

  /**
   * A symbolic link at {@code link} (relative to the app's data folder) to the store's
   * {@code source}, made by the prepare step at every start and only if the source exists. A
   * missing folder becomes an empty writable folder of the app's own instead (apps that create or
   * check their folders still start; their downloads land there), a missing file no link. Nothing
   * is ever created in the store: unlike a subPath mount, kubelet has nothing to create.
   */
  public record StoreLink(String source, String link, boolean folder, List<String> alternatives) {
    public StoreLink(String source, String link, boolean folder) {
      this(source, link, folder, List.of());
    }
  }

  /**
   * A step before the app that needs the app's own image (e.g. to copy a file the image holds),
   * run with the app's data folder at {@link #PREPARE_DATA}, as the image's user, every capability dropped.
   */
  public record AppStep(String name, String script) {}

  /** A folder of the user share the prepare step works in ({@code source} relative to the share root), at {@code path}. */
  public record PrepareMount(String source, String path, boolean readOnly) {}

  /** A folder of the app's own data folder ({@code source} relative to it) seen at {@code target}, writable. */
  public record DataMount(String source, String target) {}

  /** A folder of the user share ({@code source} relative to its root) seen at {@code target}. */
  public record UserMount(String source, String target, boolean readOnly) {}

  public final List<String> args = new ArrayList<>();
  public final List<EnvVar> env = new ArrayList<>();
  public final List<ConfigFile> configFiles = new ArrayList<>();
  public final List<StoreMount> storeMounts = new ArrayList<>();
  public final List<StoreLink> storeLinks = new ArrayList<>();
  /**
   * Store folders whose entries are linked one by one into a real, writable folder of the app's own
   * ({@code link}): for apps that download into the folder they read (AI Toolkit's MODELS_PATH), so
   * a download lands on the app's side while the store's files are seen in place.
   */
  public final List<StoreLink> entryLinks = new ArrayList<>();
  /** Store folders the app is pointed at directly (flags, config): the prepare step reports whether they exist. */
  public final List<String> storeChecks = new ArrayList<>();
  public final List<PrepareMount> prepareMounts = new ArrayList<>();
  /** Further mounts of the prepare step and of the app (e.g. the store's shared caches, read-only). */
  public final List<io.fabric8.kubernetes.api.model.VolumeMount> extraPrepareMounts = new ArrayList<>();
  public final List<io.fabric8.kubernetes.api.model.VolumeMount> extraAppMounts = new ArrayList<>();
  /** Folders the prepare step makes and hands to the app's user, relative to the data folder. */
  public final List<String> ownedDataPaths = new ArrayList<>();
  /**
   * Folders of the data folder the app's image copies into at start (Fooocus' {@code cp -Rpn
   * models.org/. models/}): on a migrated tree everything in them not yet the app user's is handed
   * over (entries already the user's are not touched; links are changed, never followed).
   */
  public final List<String> handedOverTrees = new ArrayList<>();
  /** Files the prepare step writes (in {@link #prepareCommands}) and hands to the app's user, relative to the data folder. */
  public final List<String> ownedDataFiles = new ArrayList<>();
  public final List<DataMount> dataMounts = new ArrayList<>();
  public final List<UserMount> userMounts = new ArrayList<>();
  /**
   * Shell commands of the prepare step (after the links), which sees the app's data folder at
   * {@link #PREPARE_DATA}, the store read-only at {@link #PREPARE_MODELS}, the generated config at
   * {@link #PREPARE_CONFIG}, and can {@code report} a line into the pod's status.
   */
  public final List<String> prepareCommands = new ArrayList<>();
  public static final String PREPARE_DATA = "/aiservice/data";
  public static final String PREPARE_MODELS = "/aiservice/models";
  public static final String PREPARE_CONFIG = "/aiservice/config";
  /** The pod volume of the generated ConfigMap, for sidecars that need a generated file. */
  public static final String CONFIG_VOLUME = "config";

  /** Steps run after the prepare step, before the app. */
  public final List<AppStep> steps = new ArrayList<>();
  /** Extra containers beside the app (e.g. registering models through the app's API). */
  public final List<Container> sidecars = new ArrayList<>();
  public final List<ModelPath> modelPaths = new ArrayList<>();

  public AppLayout arg(String... values) {
    args.addAll(List.of(values));
    return this;
  }

  public AppLayout env(String name, String value) {
    env.add(new EnvVar(name, value, null));
    return this;
  }

  /** Reports where the app finds {@code source} (a store folder or file) as {@code category}, and how it was told. */
  public AppLayout modelPath(String category, String source, String path, String via) {
    modelPaths.add(new ModelPath(category, source, path, via));
    return this;
  }

  /** Points the app at a store folder through a link in its data folder; the link lives at {@code dataPath/link}. */
  public String linkFolder(String category, String source, String dataPath, String link, String via) {
    storeLinks.add(new StoreLink(source, link, true));
    String path = dataPath + "/" + link;
    modelPath(category, source, path, via);
    return path;
  }
}
