package de.dhoch3.aiservices.download;

import de.dhoch3.aiservices.download.Outcome.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Removes one downloaded model file, but only the one that was downloaded: its sha256 must match. */
@Command(name = "delete-model", mixinStandardHelpOptions = true,
    description = {"Delete <dir>/<file> (and its .<file>.part) only if the file's sha256 is the given one.",
        "Exit codes: 0 deleted or absent, 1 failure, 2 invalid arguments, 6 different content (kept)."})
public final class DeleteModelCommand implements Callable<Integer> {

  @Option(names = "--dir", required = true, description = "The category folder.")
  Path dir;

  @Option(names = "--file", required = true, description = "File name in --dir: one path segment.")
  String file;

  @Option(names = "--sha256", required = true, description = "sha256 (hex) the file must have to be deleted.")
  String sha256;

  @Option(names = "--result-file", defaultValue = "/dev/termination-log", description = "One-line JSON result (default: ${DEFAULT-VALUE}).")
  Path resultFile;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    return delete().report(resultFile, spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  private Outcome delete() {
    try {
      Path target = StoreFile.resolve(dir, file);
      String want = StoreFile.checkSha256(sha256);
      Files.deleteIfExists(StoreFile.partOf(target));
      Files.deleteIfExists(RangedDownload.stateOf(StoreFile.partOf(target)));
      Files.deleteIfExists(Downloader.totalOf(StoreFile.partOf(target)));
      if (!StoreFile.exists(target)) {
        return Outcome.error(Result.Absent, file, "not present");
      }
      if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
        return Outcome.error(Result.Conflict, file, file + " is not a regular file; it is kept");
      }
      long bytes = Files.size(target);
      String have = StoreFile.sha256(target);
      if (!have.equals(want)) {
        return Outcome.error(Result.Conflict, file, file + " has sha256 " + have + ", expected " + want + "; it is kept");
      }
      Files.delete(target);
      return Outcome.done(Result.Deleted, bytes, have, file, null);
    } catch (IllegalArgumentException e) {
      return Outcome.error(Result.Invalid, file, e.getMessage());
    } catch (IOException e) {
      return Outcome.error(Result.Failed, file, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
