package de.dhoch3.aiservices.inbox;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
  /** safetensors' own limit (MAX_HEADER_SIZE in safetensors/src/tensor.rs). */
  static final long MAX_HEADER = 100_000_000L;
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
    return refusal(file, file.getFileName().toString(), refusePickle);
  }

  /** As above for a copy under another name: {@code uploadName} decides the type. */
  static String refusal(Path file, String uploadName, boolean refusePickle) throws IOException {
    String name = uploadName.toLowerCase(Locale.ROOT);
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
      channel.position(8);
      return header(new BufferedInputStream(java.nio.channels.Channels.newInputStream(channel)), headerLength, size - 8 - headerLength);
    }
  }

  /**
   * Reads the header as a stream of JSON tokens (a header of up to 100 MB may hold millions of
   * tensors; a tree of them would not fit the Job's memory) and checks each tensor as it comes.
   */
  private static String header(InputStream json, long headerLength, long buffer) throws IOException {
    try (JsonParser parser = JSON.getFactory().createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return "The safetensors header is not a JSON object: the file is damaged.";
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals("__metadata__")) {
          if (value != JsonToken.START_OBJECT) {
            return "The safetensors __metadata__ is not a map of strings: the file is damaged.";
          }
          parser.skipChildren();
          continue;
        }
        String problem = value == JsonToken.START_OBJECT ? tensor(name, parser, buffer) : invalidTensor(name);
        if (problem != null) {
          return problem;
        }
      }
      // the object must end inside the header, not in the tensor data after it
      return parser.currentToken() == JsonToken.END_OBJECT && parser.currentLocation().getByteOffset() <= headerLength ? null
          : "The safetensors header is not valid JSON: the file is damaged.";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return "The safetensors header is not valid JSON: the file is damaged.";
    }
  }

  private static String invalidTensor(String name) {
    return "Tensor '" + abbreviate(name) + "' in the safetensors header has no valid dtype, shape and data_offsets: the file is damaged.";
  }

  /** One tensor's entry, the parser on its START_OBJECT; leaves the parser on its END_OBJECT. */
  private static String tensor(String name, JsonParser parser, long buffer) throws IOException {
    String dtype = null;
    java.util.List<Long> shape = null;
    java.util.List<Long> offsets = null;
    boolean negative = false;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (field) {
        case "dtype" -> dtype = value == JsonToken.VALUE_STRING ? parser.getText() : null;
        case "shape", "data_offsets" -> {
          java.util.List<Long> numbers = value == JsonToken.START_ARRAY ? new java.util.ArrayList<>() : null;
          if (numbers != null) {
            while (parser.nextToken() != JsonToken.END_ARRAY) {
              if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                negative |= field.equals("shape");
                numbers = null;
                parser.skipChildren();
                break;
              }
              numbers.add(parser.getLongValue());
            }
          } else {
            parser.skipChildren();
          }
          if (field.equals("shape")) {
            shape = numbers;
          } else {
            offsets = numbers;
          }
        }
        default -> parser.skipChildren();
      }
    }
    if (negative || shape != null && shape.stream().anyMatch(d -> d < 0)) {
      return "Tensor '" + abbreviate(name) + "' has a negative or non-numeric dimension: the file is damaged.";
    }
    if (dtype == null || !DTYPE_BYTES.containsKey(dtype) || shape == null || offsets == null || offsets.size() != 2) {
      return invalidTensor(name);
    }
    long begin = offsets.get(0);
    long end = offsets.get(1);
    if (begin < 0 || end < begin || end > buffer) {
      return "Tensor '" + abbreviate(name) + "' lies outside the file's data (offsets " + begin + " to " + end + " of " + buffer
          + " bytes): the file is damaged or incomplete.";
    }
    int bytes = DTYPE_BYTES.get(dtype);
    if (bytes > 0) {
      try {
        long elements = 1;
        for (long dimension : shape) {
          elements = Math.multiplyExact(elements, dimension);
        }
        if (Math.multiplyExact(elements, bytes) != end - begin) {
          return "Tensor '" + abbreviate(name) + "' does not have the size its shape and dtype give: the file is damaged.";
        }
      } catch (ArithmeticException overflow) {
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
          String entryName = entry.getName().toLowerCase(Locale.ROOT); // torch finds records without regard to case (miniz)
          if (entryName.contains("/code/") || entryName.startsWith("code/")) {
            return "The archive holds TorchScript code (" + abbreviate(entry.getName()) + "), which loading would run: only weights are taken.";
          }
          if (entryName.endsWith(".pkl")) {
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
    if (isTar(file)) {
      // torch.load tries the tar format of torch before 0.1.10 first (torch/serialization.py legacy_load): its pickles are not scanned here
      return "The file is a tar archive (torch's oldest format), which is not taken: save the model again or use .safetensors.";
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

  /**
   * Whether the file starts with a tar header Python's tarfile accepts: the checksum at 148..155
   * (octal) equals the sum of the 512 header bytes with that field as spaces, unsigned or signed
   * (Lib/tarfile.py, nti and calc_chksums).
   */
  static boolean isTar(Path file) throws IOException {
    byte[] block;
    try (InputStream in = Files.newInputStream(file)) {
      block = in.readNBytes(512);
    }
    if (block.length < 512) {
      return false;
    }
    String field = new String(block, 148, 8, java.nio.charset.StandardCharsets.US_ASCII).replace('\0', ' ').trim();
    if (!field.matches("[0-7]{1,8}")) {
      return false;
    }
    long stored = Long.parseLong(field, 8);
    long unsigned = 256;
    long signed = 256;
    for (int i = 0; i < 512; i++) {
      if (i < 148 || i >= 156) {
        unsigned += block[i] & 0xff;
        signed += block[i];
      }
    }
    return stored == unsigned || stored == signed;
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
