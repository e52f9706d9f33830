package de.dhoch3.aiservices.download;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a download or delete ended: the exit code and the one-line JSON the operator reads from the
 * pod's termination message ({"result":"Downloaded","bytes":N,"sha256":"...","path":"<file>"}).
 */
public record Outcome(Result result, long bytes, String sha256, String path, String message) {

  /** The constant names are the JSON {@code result} values. */
  public enum Result {
    Downloaded(0), AlreadyPresent(0), Deleted(0), Absent(0),
    Failed(1), Invalid(2), NotFound(3), Unauthorized(4), ChecksumMismatch(5), Conflict(6);

    public final int exitCode;

    Result(int exitCode) {
      this.exitCode = exitCode;
    }
  }

  /** A termination message holds at most 4096 bytes. */
  static final int MAX_MESSAGE = 1000;

  static Outcome done(Result result, long bytes, String sha256, String path, String message) {
    return new Outcome(result, bytes, sha256, path, message);
  }

  static Outcome error(Result result, String path, String message) {
    return new Outcome(result, -1, null, path, message);
  }

  /** Whether the file is there as asked (downloaded now or before). */
  boolean ok() {
    return result.exitCode == 0;
  }

  /** The same outcome with every occurrence of {@code secret} in the message masked. */
  Outcome redact(String secret) {
    return new Outcome(result, bytes, sha256, path, Redact.mask(message, secret));
  }

  String toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("result", result.name());
    if (bytes >= 0) {
      json.put("bytes", bytes);
    }
    if (sha256 != null) {
      json.put("sha256", sha256);
    }
    if (path != null) {
      json.put("path", path);
    }
    if (message != null) {
      json.put("message", message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "..." : message);
    }
    try {
      return new ObjectMapper().writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Prints the JSON line, writes it to the result file (a missing one is only warned about) and returns the exit code. */
  int report(Path resultFile, PrintWriter out, PrintWriter err) {
    String line = toJson();
    out.println(line);
    out.flush();
    try {
      Files.writeString(resultFile, line + "\n");
    } catch (IOException e) {
      err.println("warning: could not write the result to " + resultFile + ": " + e);
      err.flush();
    }
    return result.exitCode;
  }
}
