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
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  StorageBoard() {}

  public Map<String, Long> figures() {
    return figures;
  }

  /** New figures; listeners run only when they differ from the last ones. */
  public void publish(Map<String, Long> latest) {
    Map<String, Long> copy = Map.copyOf(latest);
    if (copy.equals(figures)) {
      return;
    }
    figures = copy;
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

  /** Forgets the figures and listeners (tests start many operators in one JVM). */
  public void reset() {
    figures = Map.of();
    listeners.clear();
  }
}
