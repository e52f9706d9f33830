package de.dhoch3.aiservices.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Whether an uploaded file is a model the apps may load: a {@code .safetensors} file with a
 * well-formed header (format: huggingface/safetensors, docs and safetensors/src/tensor.rs: an
 * 8-byte little-endian header length, a JSON header of at most 100 MB, each tensor's dtype, shape
 * and data_offsets inside the byte buffer), or a pickle-based torch file whose pickles import only
 * what rebuilds tensors ({@link PickleScan}). Everything else is refused. Each refusal is one
 * sentence for the reason file.
 */
final class ModelFileCheck {
  static final long MAX_HEADER = 100L * 1024 * 1024;
  /** Bytes per element of safetensors' dtypes (safetensors/src/tensor.rs, Dtype::bitsize / 8); sub-byte ones unchecked. */
  private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
      Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1), Map.entry("F8_E4M3", 1),
      Map.entry("F8_E8M0", 1), Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2), Map.entry("BF16", 2),
      Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4), Map.entry("F64", 8), Map.entry("I64", 8), Map.entry("U64", 8),
      Map.entry("C64", 8), Map.entry("F4", 0), Map.entry("F6_E2M3", 0), Map.entry("F6_E3M2", 0));
  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelFileCheck() {}

  /** Null when the file may go into the store, else the reason in one sentence. */
  static String refusal(Path file, boolean refusePickle) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".safetensors")) {
      return safetensors(file);
    }
    if (name.endsWith(".ckpt") || name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".bin")) {
      if (refusePickle) {
        return "Pickle-based model files (.ckpt, .pt, .pth, .bin) are not taken here (the admin's inbox.refusePickle): upload a .safetensors file instead.";
      }
      return pickle(file);
    }
    return "Only model files are taken (.safetensors, or .ckpt, .pt, .pth, .bin): this one is a different type.";
  }

  static String safetensors(Path file) throws IOException {
    long size = Files.size(file);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      if (size < 8 || channel.read(length, 0) != 8) {
        return "The file is too short to be a safetensors file (it has no header length).";
      }
      long headerLength = length.flip().getLong();
      if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > size - 8) {
        return "The safetensors header length (" + headerLength + " bytes) does not fit the file of " + size + " bytes: the file is damaged or incomplete.";
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLength);
      while (header.hasRemaining() && channel.read(header, 8 + header.position()) > 0) {
        // read it whole
      }
      JsonNode tensors;
      try {
        tensors = JSON.readTree(header.array());
      } catch (IOException e) {
        return "The safetensors header is not valid JSON: the file is damaged.";
      }
      if (tensors == null || !tensors.isObject()) {
        return "The safetensors header is not a JSON object: the file is damaged.";
      }
      long buffer = size - 8 - headerLength;
      for (Iterator<Map.Entry<String, JsonNode>> fields = tensors.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (field.getKey().equals("__metadata__")) {
          if (!field.getValue().isObject()) {
            return "The safetensors __metadata__ is not a map of strings: the file is damaged.";
          }
          continue;
        }
        String problem = tensor(field.getKey(), field.getValue(), buffer);
        if (problem != null) {
          return problem;
        }
      }
      return null;
    }
  }

  private static String tensor(String name, JsonNode tensor, long buffer) {
    JsonNode offsets = tensor.path("data_offsets");
    String dtype = tensor.path("dtype").asText();
    if (!DTYPE_BYTES.containsKey(dtype) || !tensor.path("shape").isArray() || !offsets.isArray() || offsets.size() != 2
        || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
      return "Tensor '" + abbreviate(name) + "' in the safetensors header has no valid dtype, shape and data_offsets: the file is damaged.";
    }
    long begin = offsets.get(0).asLong();
    long end = offsets.get(1).asLong();
    if (begin < 0 || end < begin || end > buffer) {
      return "Tensor '" + abbreviate(name) + "' lies outside the file's data (offsets " + begin + " to " + end + " of " + buffer
          + " bytes): the file is damaged or incomplete.";
    }
    int bytes = DTYPE_BYTES.get(dtype);
    if (bytes > 0) {
      long elements = 1;
      for (JsonNode dimension : tensor.path("shape")) {
        if (!dimension.canConvertToLong() || dimension.asLong() < 0) {
          return "Tensor '" + abbreviate(name) + "' has a negative or non-numeric dimension: the file is damaged.";
        }
        elements = Math.multiplyExact(elements, dimension.asLong());
      }
      if (Math.multiplyExact(elements, bytes) != end - begin) {
        return "Tensor '" + abbreviate(name) + "' does not have the size its shape and dtype give: the file is damaged.";
      }
    }
    return null;
  }

  /** torch.save's zip archive (each .pkl entry scanned, TorchScript code refused) or the legacy format (its leading pickles). */
  static String pickle(Path file) throws IOException {
    if (isZip(file)) {
      try (ZipFile zip = new ZipFile(file.toFile())) {
        int pickles = 0;
        for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
          ZipEntry entry = entries.nextElement();
          if (entry.getName().contains("/code/") || entry.getName().startsWith("code/")) {
            return "The archive holds TorchScript code (" + abbreviate(entry.getName()) + "), which loading would run: only weights are taken.";
          }
          if (entry.getName().endsWith(".pkl")) {
            pickles++;
            try (InputStream in = new BufferedInputStream(zip.getInputStream(entry))) {
              PickleScan.Finding finding = PickleScan.scan(in);
              if (!finding.safe()) {
                return "Refused because " + finding.refusal() + ".";
              }
            } catch (IOException e) {
              return "A pickle in the archive is malformed (" + e.getMessage() + "): the file is damaged.";
            }
          }
        }
        return pickles > 0 ? null : "The archive holds no pickle: it is no torch model file.";
      } catch (java.util.zip.ZipException e) {
        return "The file looks like a zip archive but cannot be read as one: it is damaged or incomplete.";
      }
    }
    // a raw pickle, or torch's legacy format: five pickles (magic number, protocol, system information, the
    // object, the storage keys; torch/serialization.py _legacy_save), then raw data. Every one is scanned,
    // whatever its protocol: pickle.load reads protocol 0 as well.
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      for (int i = 0; i < 5; i++) {
        in.mark(1);
        if (in.read() < 0) {
          return i > 0 ? null : "The file is empty.";
        }
        in.reset();
        PickleScan.Finding finding = PickleScan.scan(in);
        if (!finding.safe()) {
          return "Refused because " + finding.refusal() + ".";
        }
      }
      return null;
    } catch (IOException e) {
      return "The file is neither a safetensors file nor a torch archive nor a complete pickle (" + e.getMessage()
          + "): it is damaged, incomplete or no model.";
    }
  }

  private static boolean isZip(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] magic = in.readNBytes(4);
      return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
    }
  }

  private static String abbreviate(String text) {
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 80 ? clean.substring(0, 77) + "..." : clean;
  }
}
