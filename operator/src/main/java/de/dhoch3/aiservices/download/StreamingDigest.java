package de.dhoch3.aiservices.download;

import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A checksum computed beside the transfer: the reader hands each filled buffer to a thread that
 * hashes it and hands it back, so reading from the network, writing to disk and hashing overlap
 * instead of taking turns. A few large buffers circulate; nothing is allocated per chunk.
 */
final class StreamingDigest implements AutoCloseable {
  static final int BUFFER = 1 << 20;
  private record Chunk(byte[] bytes, int length) {}

  private static final Chunk END = new Chunk(new byte[0], -1);
  private final BlockingQueue<byte[]> free;
  private final BlockingQueue<Chunk> filled;
  private final Thread hasher;
  private volatile RuntimeException failure;

  StreamingDigest(MessageDigest digest, int buffers) {
    free = new ArrayBlockingQueue<>(buffers);
    filled = new ArrayBlockingQueue<>(buffers + 1);
    for (int i = 0; i < buffers; i++) {
      free.add(new byte[BUFFER]);
    }
    hasher = new Thread(() -> {
      try {
        for (Chunk chunk; (chunk = filled.take()) != END; ) {
          digest.update(chunk.bytes(), 0, chunk.length());
          free.put(chunk.bytes());
        }
      } catch (InterruptedException stopped) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        failure = e;
      }
    }, "download-sha256");
    hasher.setDaemon(true);
    hasher.start();
  }

  /** A buffer to read into (waits while all are being hashed). */
  byte[] buffer() throws InterruptedException {
    return free.take();
  }

  /** The first {@code length} bytes of {@code buffer} are the next ones of the file. */
  void hash(byte[] buffer, int length) throws InterruptedException {
    filled.put(new Chunk(buffer, length));
  }

  /** A buffer taken but not filled goes back. */
  void giveBack(byte[] buffer) {
    free.offer(buffer);
  }

  /** Waits until every handed buffer is hashed. */
  void finish() throws InterruptedException {
    filled.put(END);
    hasher.join();
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public void close() {
    hasher.interrupt();
  }
}
