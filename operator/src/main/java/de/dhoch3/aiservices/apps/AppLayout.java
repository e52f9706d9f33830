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

  /** A file generated into the AIService's ConfigMap and mounted read-only at {@code mountPath}. */
  public record ConfigFile(String key, String mountPath, String content) {}

  /** A store folder or file ({@code source} relative to the store root) seen at {@code target}. */
  public record StoreMount(String source, String target) {}

  /** A folder of the app's own data folder ({@code source} relative to it) seen at {@code target}, writable. */
  public record DataMount(String source, String target) {}

  /** A folder of the user share ({@code source} relative to its root) seen at {@code target}. */
  public record UserMount(String source, String target, boolean readOnly) {}

  public final List<String> args = new ArrayList<>();
  public final List<EnvVar> env = new ArrayList<>();
  public final List<ConfigFile> configFiles = new ArrayList<>();
  public final List<StoreMount> storeMounts = new ArrayList<>();
  public final List<DataMount> dataMounts = new ArrayList<>();
  public final List<UserMount> userMounts = new ArrayList<>();
  /**
   * Shell commands run as root before the app, in an init container that sees the app's data
   * folder at {@link #PREPARE_DATA} (e.g. to create a file the app expects to exist).
   */
  public final List<String> prepareCommands = new ArrayList<>();
  public static final String PREPARE_DATA = "/aiservice/data";
  /** The pod volume of the generated ConfigMap, for sidecars that need a generated file. */
  public static final String CONFIG_VOLUME = "config";

  /** Extra containers run before the app. */
  public final List<Container> initContainers = new ArrayList<>();
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

  public AppLayout modelPath(String category, String path, String via) {
    modelPaths.add(new ModelPath(category, path, via));
    return this;
  }
}
