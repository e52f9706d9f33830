package de.dhoch3.aiservices.download;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One file fetched in N parallel ranges into the same part file (positional writes), as Hugging
 * Face's fast transfer does: a link that caps each connection then gives N times one stream. The
 * checksum follows the contiguous beginning of the file as the ranges fill it (no second pass at
 * the end), and what each range has written is kept in {@code .<file>.part.ranges} so that a cut
 * or a restarted pod resumes every range where it stopped. Every range goes through the
 * downloader's own request (token only to the origin of --url, redirects checked, private
 * addresses refused) and its stall watchdog.
 */
final class RangedDownload {
  /** Below this a range is not worth its own connection. */
  static final long MIN_RANGE = 8L << 20;
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Downloader downloader;
  private final Path part;
  private final Path state;
  private final long total;
  private final long[] starts;
  private final long[] ends;
  private final AtomicLongArray done;
  private volatile boolean failed;

  private RangedDownload(Downloader downloader, Path part, long total, long[] starts, long[] ends, long[] done) {
    this.downloader = downloader;
    this.part = part;
    this.state = stateOf(part);
    this.total = total;
    this.starts = starts;
    this.ends = ends;
    this.done = new AtomicLongArray(done);
  }

  static Path stateOf(Path part) {
    return part.resolveSibling(part.getFileName() + ".ranges");
  }

  /** How many ranges a file of {@code total} bytes gets with at most {@code connections}; 1 means one stream. */
  static int ranges(long total, int connections) {
    return (int) Math.max(1, Math.min(connections, total / MIN_RANGE));
  }

  /** A new ranged download of {@code total} bytes in {@code count} ranges. */
  static RangedDownload start(Downloader downloader, Path part, long total, int count) throws IOException {
    long[] starts = new long[count];
    long[] ends = new long[count];
    for (int i = 0; i < count; i++) {
      starts[i] = total * i / count;
      ends[i] = total * (i + 1) / count;
    }
    Files.deleteIfExists(part);
    RangedDownload ranged = new RangedDownload(downloader, part, total, starts, ends, new long[count]);
    ranged.save();
    return ranged;
  }

  /** The ranged download a previous attempt or pod left, or null when there is none (or it does not fit {@code size}). */
  static RangedDownload resume(Downloader downloader, Path part, Long size) {
    Path state = stateOf(part);
    try {
      if (!Files.isRegularFile(state, LinkOption.NOFOLLOW_LINKS) || !StoreFile.exists(part)) {
        return null;
      }
      JsonNode saved = JSON.readTree(Files.readString(state));
      long total = saved.path("total").asLong(-1);
      JsonNode list = saved.path("ranges");
      if (total < 1 || !list.isArray() || list.isEmpty() || size != null && size != total) {
        return null;
      }
      int count = list.size();
      if (count > 32) {
        return null; // no download of ours has more (--connections is at most 32)
      }
      long partLength = Files.size(part);
      long[] starts = new long[count];
      long[] ends = new long[count];
      long[] done = new long[count];
      for (int i = 0; i < count; i++) {
        starts[i] = list.get(i).get(0).asLong();
        ends[i] = list.get(i).get(1).asLong();
        done[i] = list.get(i).get(2).asLong();
        // what a range claims to have written lies within the part file (a stale or hand-made state claims more)
        if (starts[i] != (i == 0 ? 0 : ends[i - 1]) || ends[i] < starts[i] || done[i] < 0 || done[i] > ends[i] - starts[i]
            || done[i] > 0 && starts[i] + done[i] > partLength) {
          return null;
        }
      }
      return ends[count - 1] == total ? new RangedDownload(downloader, part, total, starts, ends, done) : null;
    } catch (IOException | RuntimeException unreadable) {
      return null;
    }
  }

  /** Forgets a ranged download (the part is then fetched again from the start). */
  static void discard(Path part) throws IOException {
    Files.deleteIfExists(stateOf(part));
  }

  long total() {
    return total;
  }

  long received() {
    long sum = 0;
    for (int i = 0; i < done.length(); i++) {
      sum += done.get(i);
    }
    return sum;
  }

  /**
   * Fetches every range not complete yet; {@code first} (may be null) is an open 200 response whose
   * body serves range 0 from byte 0. Returns the sha256 of the whole file, or throws when a range
   * failed (what was written is kept for the next attempt).
   */
  String run(HttpResponse<InputStream> first, Progress progress) throws IOException, InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(starts.length + 1, r -> {
      Thread thread = new Thread(r, "download-range");
      thread.setDaemon(true);
      return thread;
    });
    try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ,
        LinkOption.NOFOLLOW_LINKS)) {
      List<Future<?>> ranges = new ArrayList<>();
      for (int i = 0; i < starts.length; i++) {
        int range = i;
        HttpResponse<InputStream> body = i == 0 && done.get(0) == 0 ? first : null;
        if (i == 0 && body == null && first != null) {
          first.body().close();
        }
        ranges.add(pool.submit(() -> {
          fetch(range, body, out);
          return null;
        }));
      }
      MessageDigest digest = StoreFile.newDigest();
      Future<?> hashing = pool.submit(() -> {
        hash(out, digest);
        return null;
      });
      IOException failure = null;
      long lastSave = System.nanoTime();
      for (Future<?> range : ranges) {
        while (true) {
          try {
            range.get(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            break;
          } catch (java.util.concurrent.TimeoutException notYet) {
            progress.update(received(), total);
            if (System.nanoTime() - lastSave > 1_000_000_000L) {
              // the state never claims bytes a crash could still lose
              out.force(false);
              save();
              lastSave = System.nanoTime();
            }
          } catch (java.util.concurrent.ExecutionException e) {
            failed = true;
            failure = failure != null ? failure : e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            break;
          }
        }
      }
      out.force(false);
      save();
      if (failure != null) {
        hashing.cancel(true);
        throw failure;
      }
      out.force(true);
      try {
        hashing.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      }
      return StoreFile.hex(digest);
    } finally {
      pool.shutdownNow();
    }
  }

  /** One range: from where it stopped to its end, through the downloader's request and stall watchdog. */
  private void fetch(int range, HttpResponse<InputStream> first, FileChannel out) throws IOException, InterruptedException {
    long from = starts[range] + done.get(range);
    long end = ends[range];
    if (from >= end) {
      return;
    }
    HttpResponse<InputStream> response = first;
    if (response == null) {
      response = downloader.open(from, end - 1);
      if (response.statusCode() != 206) {
        response.body().close();
        throw new RangesRefused("the server answered " + response.statusCode() + " to the range bytes=" + from + "-" + (end - 1));
      }
      Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
      if (!m.matches() || Long.parseLong(m.group(1)) != from || Long.parseLong(m.group(2)) != end - 1 || Long.parseLong(m.group(3)) != total) {
        response.body().close();
        throw new RangesRefused("the server answered another range than bytes=" + from + "-" + (end - 1));
      }
    }
    long at = from;
    InputStream body = response.body();
    try (body; Downloader.Guard guard = downloader.guard(body)) {
      byte[] buffer = new byte[1 << 20];
      try {
        while (at < end && !failed) {
          int n = body.read(buffer, 0, (int) Math.min(buffer.length, end - at));
          if (n < 0) {
            throw new IOException("the connection ended after " + (at - starts[range]) + " of " + (end - starts[range])
                + " bytes of range " + range);
          }
          guard.touch();
          ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
          long position = at;
          while (chunk.hasRemaining()) {
            position += out.write(chunk, position);
          }
          at += n;
          done.addAndGet(range, n);
        }
      } catch (IOException e) {
        throw guard.explain(e, at - starts[range]);
      }
    }
  }

  /** The server does not serve ranges as it announced: the file is fetched again in one stream. */
  static final class RangesRefused extends IOException {
    RangesRefused(String message) {
      super(message);
    }
  }

  /** Hashes the file's contiguous beginning as the ranges fill it: range i is read once ranges 0..i-1 are complete up to it. */
  private void hash(FileChannel in, MessageDigest digest) throws IOException, InterruptedException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(4 << 20);
    long hashed = 0;
    while (hashed < total) {
      long contiguous = contiguous();
      if (contiguous <= hashed) {
        if (failed) {
          return;
        }
        Thread.sleep(5);
        continue;
      }
      while (hashed < contiguous) {
        buffer.clear().limit((int) Math.min(buffer.capacity(), contiguous - hashed));
        int n = in.read(buffer, hashed);
        if (n < 0) {
          throw new IOException("the part file ended at " + hashed + " bytes");
        }
        buffer.flip();
        digest.update(buffer);
        hashed += n;
      }
    }
  }

  /** Bytes from the start that every range before has filled. */
  private long contiguous() {
    for (int i = 0; i < starts.length; i++) {
      long have = done.get(i);
      if (starts[i] + have < ends[i]) {
        return starts[i] + have;
      }
    }
    return total;
  }

  /** What each range has written, replaced atomically (a pod killed while writing it leaves the previous one). */
  private void save() throws IOException {
    List<long[]> ranges = new ArrayList<>();
    for (int i = 0; i < starts.length; i++) {
      ranges.add(new long[] {starts[i], ends[i], done.get(i)});
    }
    Path tmp = state.resolveSibling(state.getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writeValueAsString(java.util.Map.of("total", total, "ranges", ranges)));
    Files.move(tmp, state, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
