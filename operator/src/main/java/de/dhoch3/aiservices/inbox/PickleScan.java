package de.dhoch3.aiservices.inbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a pickle opcode by opcode without running it, as Hugging Face's pickle scanning does, and
 * refuses any import that is not needed to rebuild tensors and plain containers: loading a pickle
 * calls whatever it imports (os.system, subprocess, builtins.eval...). The opcodes and their
 * argument encodings are those of CPython's Lib/pickletools.py (protocols 0 to 5); an opcode this
 * scanner does not know, an extension-registry import (EXT1/2/4) or an import it cannot resolve
 * to two plain strings (STACK_GLOBAL after anything else) is refused too.
 */
final class PickleScan {
  /** The imports torch.save writes for tensors (torch/_utils.py, torch/serialization.py) and plain data. */
  static final Set<String> ALLOWED = Set.of(
      "collections.OrderedDict", "collections.defaultdict",
      "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
      "torch._utils._rebuild_parameter_with_state", "torch._tensor._rebuild_from_type_v2", "torch.Size",
      "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage", "torch.LongStorage",
      "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage", "torch.ByteStorage", "torch.BoolStorage",
      "torch.float16", "torch.bfloat16", "torch.float32", "torch.float64", "torch.int64", "torch.int32", "torch.uint8",
      "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct", "numpy.core.multiarray.scalar",
      "numpy._core.multiarray.scalar", "numpy.ndarray", "numpy.dtype", "_codecs.encode",
      "builtins.set", "builtins.frozenset", "builtins.slice");

  /** What a scan found: null when the pickle only rebuilds tensors and plain data, else the first refused import or reason. */
  record Finding(String refusal) {
    boolean safe() {
      return refusal == null;
    }
  }

  private PickleScan() {}

  /** Scans one pickle (up to its STOP); the stream is left after it. Throws IOException for a stream that is no pickle. */
  static Finding scan(InputStream in) throws IOException {
    List<String> pushed = new ArrayList<>(); // the values of recent pushes: a string, or null for anything else
    Map<Long, String> memo = new HashMap<>();
    while (true) {
      int op = in.read();
      if (op < 0) {
        throw new IOException("the pickle ends before its STOP opcode");
      }
      switch (op) {
        case '.' -> { // STOP
          return new Finding(null);
        }
        case 'c', 'i' -> { // GLOBAL, INST: module and name on two lines
          String module = line(in);
          String name = line(in);
          String refused = check(module + "." + name);
          if (refused != null) {
            return new Finding(refused);
          }
          pushed.add(null);
        }
        case 0x93 -> { // STACK_GLOBAL: module and name are the two values pushed last
          if (pushed.size() < 2 || pushed.get(pushed.size() - 1) == null || pushed.get(pushed.size() - 2) == null) {
            return new Finding("an import whose name the scanner cannot read (STACK_GLOBAL after something other than two strings)");
          }
          String refused = check(pushed.get(pushed.size() - 2) + "." + pushed.get(pushed.size() - 1));
          if (refused != null) {
            return new Finding(refused);
          }
          pushed.add(null);
        }
        case 0x82, 0x83, 0x84 -> {
          return new Finding("an import through the extension registry (EXT opcode), which the scanner cannot name");
        }
        // strings: pushed as themselves
        case 'S', 'V' -> pushed.add(unquote(line(in)));
        case 'T', 'X' -> pushed.add(string(in, le(in, 4)));
        case 'U', 0x8c -> pushed.add(string(in, in.read()));
        case 0x8d -> pushed.add(string(in, le(in, 8)));
        // memo: remember a string, fetch it again
        case 'p' -> memo.put(number(line(in)), last(pushed));
        case 'q' -> memo.put((long) in.read(), last(pushed));
        case 'r' -> memo.put(le(in, 4), last(pushed));
        case 0x94 -> memo.put((long) memo.size(), last(pushed));
        case 'g' -> pushed.add(memo.get(number(line(in))));
        case 'h' -> pushed.add(memo.get((long) in.read()));
        case 'j' -> pushed.add(memo.get(le(in, 4)));
        // other values with an argument
        case 'F', 'I', 'L', 'P' -> {
          line(in);
          pushed.add(null);
        }
        case 'J' -> skipPush(in, 4, pushed);
        case 'K' -> skipPush(in, 1, pushed);
        case 'M' -> skipPush(in, 2, pushed);
        case 'G' -> skipPush(in, 8, pushed);
        case 0x80 -> skip(in, 1); // PROTO
        case 0x95 -> skip(in, 8); // FRAME
        case 0x8a -> skipPush(in, in.read(), pushed);
        case 0x8b, 'B' -> skipPush(in, le(in, 4), pushed);
        case 'C' -> skipPush(in, in.read(), pushed);
        case 0x8e, 0x96 -> skipPush(in, le(in, 8), pushed);
        // no argument: containers, constants, stack and memo housekeeping, calls of what was imported
        case '(', '0', '1', '2', 'N', 'Q', 'R', 'a', 'b', 'd', '}', 'e', 'l', ']', 'o', 's', 't', ')', 'u', 0x81, 0x85, 0x86, 0x87,
            0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x97, 0x98 -> pushed.add(null);
        default -> {
          return new Finding(String.format("opcode 0x%02x, which is no pickle opcode this scanner knows", op));
        }
      }
      if (pushed.size() > 64) {
        pushed.subList(0, pushed.size() - 8).clear();
      }
    }
  }

  private static String check(String qualified) {
    return ALLOWED.contains(qualified) ? null : "it imports " + qualified + ", which loading would run (only tensors and plain data are taken)";
  }

  /** A memo index of PUT/GET as Python's int() reads it (underscores between digits allowed); anything else is no pickle. */
  private static long number(String text) throws IOException {
    String digits = text.strip();
    if (!digits.matches("[0-9]+(_[0-9]+)*")) {
      throw new IOException("a memo index that is no number");
    }
    try {
      return Long.parseLong(digits.replace("_", ""));
    } catch (NumberFormatException tooLarge) {
      throw new IOException("a memo index that is too large");
    }
  }

  private static String last(List<String> pushed) {
    return pushed.isEmpty() ? null : pushed.get(pushed.size() - 1);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0 || out.size() > 1 << 16) {
        throw new IOException("a pickle text argument without its end of line");
      }
      out.write(b);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String unquote(String text) {
    String t = text.strip();
    return t.length() >= 2 && (t.startsWith("'") || t.startsWith("\"")) ? t.substring(1, t.length() - 1) : t;
  }

  private static long le(InputStream in, int bytes) throws IOException {
    long value = 0;
    for (int i = 0; i < bytes; i++) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the pickle ends inside an argument");
      }
      value |= (long) b << (8 * i);
    }
    return value;
  }

  private static String string(InputStream in, long length) throws IOException {
    if (length < 0 || length > 1 << 20) {
      skip(in, length);
      return null; // no module or class name is that long
    }
    byte[] bytes = in.readNBytes((int) length);
    if (bytes.length != length) {
      throw new IOException("the pickle ends inside a string");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void skipPush(InputStream in, long length, List<String> pushed) throws IOException {
    skip(in, length);
    pushed.add(null);
  }

  private static void skip(InputStream in, long length) throws IOException {
    if (length < 0) {
      throw new IOException("a negative argument length");
    }
    try {
      in.skipNBytes(length);
    } catch (java.io.EOFException e) {
      throw new IOException("the pickle ends inside an argument");
    }
  }
}
