package de.dhoch3.aiservices.apps;

/**
 * One app of the catalog: its container defaults and how the shared store is translated into
 * the layout the app expects. Implementations are pure: no client, no I/O.
 */
public abstract class AppProfile {
  private final AppDefaults defaults;

  protected AppProfile(AppDefaults defaults) {
    this.defaults = defaults;
  }

  public final AppDefaults defaults() {
    return defaults;
  }

  /**
   * The app's writable folders on the user share, each {@code <folder>/<serviceDir>}: outputs for
   * every app, plus uploads or datasets where the app has them. No two AIServices may share one.
   */
  public java.util.List<String> writableUserFolders() {
    return java.util.List.of("output");
  }

  /**
   * Where the app keeps its own download caches: {@code [folder relative to its data folder, the
   * same folder in the container]}, or null when it has none on the data volume.
   */
  public String[] cacheFolder(ContainerPaths paths) {
    return paths.data() == null ? null : new String[] {".cache", paths.data() + "/.cache"};
  }

  /**
   * The app's own model folders, where its downloaders (ComfyUI Manager, Fooocus' start-up downloads)
   * write: folder relative to its data folder -> the store category it holds. Empty when the app has
   * none on its data volume; spec.storage.shareDownloads shares what lands there.
   */
  public java.util.Map<String, String> ownModelFolders() {
    return java.util.Map.of();
  }

  /** Translates the offered categories into args, env, config files and extra mounts. */
  public abstract AppLayout translate(LayoutRequest request);
}
