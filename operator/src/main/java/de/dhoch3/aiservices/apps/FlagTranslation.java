package de.dhoch3.aiservices.apps;

import de.dhoch3.aiservices.validation.InvalidSpecException;
import java.util.List;
import java.util.Map;

/**
 * Translation by command-line flags, one per category (the Forge family). A repeatable flag is
 * given once per store folder; a single-valued flag takes the category's main folder only.
 */
final class FlagTranslation {
  record Flag(String name, boolean repeatable) {}

  private final String app;
  private final Map<String, Flag> flags;

  FlagTranslation(String app, Map<String, Flag> flags) {
    this.app = app;
    this.flags = flags;
  }

  boolean handles(String category) {
    return flags.containsKey(category);
  }

  /** Adds the flags for one category; folders are relative to the store root. */
  void apply(AppLayout layout, String modelsRoot, String category, List<String> folders) {
    Flag flag = flags.get(category);
    List<String> given = flag.repeatable() ? folders : folders.subList(0, 1);
    List<String> extra = folders.subList(given.size(), folders.size()).stream()
        .filter(f -> !StoreCategories.foldersOf(category).contains(f)).toList();
    if (!extra.isEmpty()) {
      throw new InvalidSpecException("spec.models.extraPaths",
          app + " takes one folder for " + category + " (" + flag.name() + "), so " + extra
              + " cannot be added; use forge-neo (repeatable flags) or point the category at one folder");
    }
    for (String folder : given) {
      String path = modelsRoot + "/" + folder;
      layout.arg(flag.name(), path);
      layout.modelPath(category, path, flag.name());
    }
  }
}
