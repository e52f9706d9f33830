package de.dhoch3.aiservices.storage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The latest storage figures of the process (area/folder to bytes, as the model inbox's runs
 * measure them): written by the inbox's records, read by the AIService status, which is told when
 * they change. One per operator process.
 */
public final class StorageBoard {
  public static final StorageBoard INSTANCE = new StorageBoard();
  private volatile Map<String, Long> figures = Map.of();
  /** The one namespace whose AIServices the figures describe (the inbox's, when the storage is claims); null: every namespace (host folders). */
  private volatile String namespace;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  StorageBoard() {}

  public Map<String, Long> figures() {
    return figures;
  }

  /** The namespace the figures are of, or null for all. */
  public String namespace() {
    return namespace;
  }

  /** New figures of every namespace; listeners run only when they differ from the last ones. */
  public void publish(Map<String, Long> latest) {
    publish(latest, null);
  }

  /** New figures of the AIServices of {@code onlyNamespace} (null: of every namespace). */
  public void publish(Map<String, Long> latest, String onlyNamespace) {
    Map<String, Long> copy = Map.copyOf(latest);
    if (copy.equals(figures) && java.util.Objects.equals(onlyNamespace, namespace)) {
      return;
    }
    figures = copy;
    namespace = onlyNamespace;
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException stopped) {
        // an operator that stopped: its statuses are no one's any more
      }
    }
  }

  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  /** Ends {@link #onChange}: a stopped operator's listener would keep its whole cache of AIServices alive. */
  public void stopTelling(Runnable listener) {
    listeners.remove(listener);
  }

  /** How many are told now: a stopped operator leaves none behind. */
  public int listenerCount() {
    return listeners.size();
  }

  /** Forgets the figures and listeners (tests start many operators in one JVM). */
  public void reset() {
    figures = Map.of();
    namespace = null;
    listeners.clear();
  }
}
