package de.dhoch3.aiservices.inbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import de.dhoch3.aiservices.apps.Catalog;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The inbox's scheduled Job: one pass, then the summary as its last line. */
@Command(name = "inbox", mixinStandardHelpOptions = true,
    description = {"Move settled, checked model files from the upload folder (models-upload/<category>/...) into the same path of the store.",
        "Never overwrites; refused files go to <uploads>/_rejected/ with a .reason.txt. Last line: moved M, rejected R, waiting W.",
        "Exit codes: 0 done (also when another run holds the lock), 1 failure, 2 invalid arguments."})
public final class InboxCommand implements Callable<Integer> {
  @Option(names = "--uploads", required = true, description = "The upload folder (the share's models-upload).")
  Path uploads;

  @Option(names = "--store", required = true, description = "The model store's root (its category folders).")
  Path store;

  @Option(names = "--settle-seconds", defaultValue = "120", description = "A file is taken once unchanged this long (default: ${DEFAULT-VALUE}).")
  long settleSeconds;

  @Option(names = "--refuse-pickle", description = "Refuse pickle-based files (.ckpt, .pt, .pth, .bin) altogether.")
  boolean refusePickle;

  @Option(names = "--result-file", description = "Writes what was moved as JSON (e.g. /dev/termination-log).")
  Path resultFile;

  @Option(names = "--measure-data", description = "Also measures the apps' data folders there (one figure per service folder).")
  Path measureData;

  @Option(names = "--measure-output", description = "Also measures the output folders there (one figure per service).")
  Path measureOutput;

  @Option(names = "--outputs", description = "The output root, for --retain (output/<service>/, output/.trash/).")
  Path outputs;

  @Option(names = "--retain", description = "SERVICE=DAYS: outputs of that service older than DAYS go to .trash/ (repeatable).")
  Map<String, Integer> retain = new java.util.TreeMap<>();

  @Option(names = "--trash-days", defaultValue = "7", description = "Days a retired output stays in .trash/ before it is deleted (default: ${DEFAULT-VALUE}).")
  int trashDays;

  @Option(names = "--retention-dry-run", description = "Only list what the retention would move and delete.")
  boolean retentionDryRun;

  @Option(names = "--app-data", description = "The apps' data root, for --share-folder (one folder per service).")
  Path appData;

  @Option(names = "--share-folder", description = "SERVICE/FOLDER=CATEGORY: what that app downloads into its own FOLDER (below its data folder)"
      + " is shared into the store's CATEGORY and replaced by a link (repeatable; needs --app-store for the service).")
  Map<String, String> shareFolders = new java.util.TreeMap<>();

  @Option(names = "--app-store", description = "SERVICE=PATH: where that app's container sees the store (the links' target).")
  Map<String, String> appStores = new java.util.TreeMap<>();

  @Spec
  CommandSpec spec;

  /** The prefix of the log lines of moved files (JSON: category, path, size, sha256, duplicate). */
  public static final String RECORD_LINE = "record ";

  /** The prefix of the log line with the storage figures (JSON: area, folder, bytes). */
  public static final String STORAGE_LINE = "storage ";

  /** Every category an app of the catalog reads, plus the store's own top-level folders. */
  static Set<String> categories(Path store) throws java.io.IOException {
    Set<String> categories = new TreeSet<>();
    Catalog.all().forEach(profile -> categories.addAll(profile.defaults().categories()));
    try (var children = Files.list(store)) {
      children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !Inbox.ignored(n)).forEach(categories::add);
    }
    return categories;
  }

  /** A relative path of plain names: no absolute path, no '.' or '..', no empty segment. */
  static boolean safeRelative(String path) {
    return !path.startsWith("/") && java.util.Arrays.stream(path.split("/", -1)).noneMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."));
  }

  /**
   * The run's log, one line per println: control characters in what it prints (file names, a
   * pickle's import names in a refusal) become '?', so nothing read from a file can start a line of
   * its own, such as a forged record line the operator would read.
   */
  static PrintWriter oneLinePerPrint(PrintWriter out) {
    return new PrintWriter(out, true) {
      @Override
      public void println(String line) {
        super.println(line == null ? null : line.replaceAll("[\\p{Cntrl}\\u2028\\u2029\\u0085]", "?"));
      }
    };
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = oneLinePerPrint(spec.commandLine().getOut());
    if (!Files.isDirectory(uploads) || !Files.isDirectory(store)) {
      spec.commandLine().getErr().println("error: --uploads and --store must be existing folders");
      return 2;
    }
    if (settleSeconds < 0) {
      spec.commandLine().getErr().println("error: --settle-seconds must be 0 or more");
      return 2;
    }
    if (!retain.isEmpty() && (outputs == null || !Files.isDirectory(outputs))) {
      spec.commandLine().getErr().println("error: --retain needs --outputs, an existing folder");
      return 2;
    }
    if (retain.values().stream().anyMatch(days -> days < 1) || trashDays < 0
        || retain.keySet().stream().anyMatch(name -> name.startsWith(".") || name.contains("/") || name.contains("\\"))) {
      spec.commandLine().getErr().println("error: --retain takes SERVICE=DAYS with a folder name and at least one day; --trash-days 0 or more");
      return 2;
    }
    java.util.List<Inbox.AppFolder> appFolders = new java.util.ArrayList<>();
    for (var share : shareFolders.entrySet()) {
      String[] serviceAndFolder = share.getKey().split("/", 2);
      String storeInApp = appStores.get(serviceAndFolder[0]);
      if (appData == null || !Files.isDirectory(appData) || serviceAndFolder.length < 2 || storeInApp == null || !storeInApp.startsWith("/")
          || !safeRelative(share.getKey()) || !share.getValue().matches("[a-z0-9_]+")) {
        spec.commandLine().getErr().println("error: --share-folder takes SERVICE/FOLDER=CATEGORY below an existing --app-data,"
            + " with --app-store SERVICE=/absolute/path");
        return 2;
      }
      appFolders.add(new Inbox.AppFolder(serviceAndFolder[0], serviceAndFolder[1], share.getValue(), storeInApp));
    }
    Inbox.Summary summary = new Inbox(uploads, store, categories(store), Duration.ofSeconds(settleSeconds), refusePickle, out)
        .sharingAppDownloads(appData, appFolders).run();
    for (Inbox.Moved moved : summary.files()) {
      // one line per moved file: the operator's records come from the log (a termination message keeps 4 KiB)
      out.println(RECORD_LINE + new ObjectMapper().writeValueAsString(moved));
    }
    if (!retain.isEmpty()) {
      try {
        OutputRetention.Result kept = OutputRetention.apply(outputs, retain, Duration.ofDays(trashDays), retentionDryRun,
            java.time.Clock.systemUTC(), out);
        out.println((retentionDryRun ? "retention (dry run): would retire " : "retention: retired ") + kept.retired() + ", "
            + (retentionDryRun ? "would delete " : "deleted ") + kept.deleted());
      } catch (java.io.IOException e) {
        // the models moved all the same: their records must not be lost with this run
        out.println("retention stopped: " + e.getMessage());
      }
    }
    if (resultFile != null) {
      Files.writeString(resultFile, new ObjectMapper().writeValueAsString(Map.of("moved", summary.moved(), "rejected", summary.rejected(),
          "waiting", summary.waiting(), "files", summary.files().stream().limit(20).toList())));
    }
    if (measureData != null || measureOutput != null) {
      // one line the operator reads from the Job's log for its storage metrics
      Map<String, Path> areas = new java.util.LinkedHashMap<>();
      areas.put("store", store);
      areas.put("data", measureData);
      areas.put("output", measureOutput);
      out.println(STORAGE_LINE + new ObjectMapper().writeValueAsString(StorageFigures.measure(areas)));
    }
    out.println(summary.line());
    out.flush();
    return 0;
  }
}
