package de.dhoch3.aiservices.inbox;

import static de.dhoch3.aiservices.inbox.PickleScanTest.OS_SYSTEM;
import static de.dhoch3.aiservices.inbox.PickleScanTest.TORCH_STATE_DICT;
import static de.dhoch3.aiservices.inbox.PickleScanTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each refusal of the model file check with its words, and the boundaries of what is taken. The
 * safetensors layout (8-byte little-endian header length, JSON header, data; offsets relative to
 * the data) is huggingface/safetensors' own (docs, safetensors/src/tensor.rs).
 */
class ModelFileCheckTest {
  @TempDir Path dir;

  private static byte[] safetensors(String header, int dataBytes) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).array();
  }

  private String check(String name, byte[] content) throws Exception {
    return ModelFileCheck.refusal(Files.write(dir.resolve(name), content), false);
  }

  @Test
  void wellFormedSafetensorsAreTakenWhateverTheCaseOfTheExtension() throws Exception {
    assertThat(check("a.safetensors", safetensors("{\"w\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}", 8))).isNull();
    assertThat(check("b.SafeTensors", safetensors("{\"w\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8))).isNull();
    // no tensors at all, and a header that ends exactly at the end of the file
    assertThat(check("c.safetensors", safetensors("{}", 0))).isNull();
    // sub-byte dtypes: their sizes are not checked, their offsets are
    assertThat(check("d.safetensors", safetensors("{\"w\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2))).isNull();
  }

  @Test
  void aSafetensorsHeaderThatDoesNotFitIsDamagedOrIncomplete() throws Exception {
    assertThat(check("short.safetensors", new byte[7])).isEqualTo("The file is too short to be a safetensors file (it has no header length).");
    byte[] tooLong = safetensors("{}", 0);
    tooLong[0] = 3; // claims one byte more than the file has
    assertThat(check("long.safetensors", tooLong))
        .isEqualTo("The safetensors header length (3 bytes) does not fit the file of 10 bytes: the file is damaged or incomplete.");
    byte[] tiny = safetensors("{}", 0);
    tiny[0] = 1;
    assertThat(check("tiny.safetensors", tiny)).startsWith("The safetensors header length (1 bytes) does not fit");
    assertThat(check("pickle.safetensors", TORCH_STATE_DICT)).as("a pickle under a safetensors name").contains("does not fit the file");
  }

  @Test
  void aSafetensorsHeaderThatIsNoValidHeaderIsDamaged() throws Exception {
    assertThat(check("a.safetensors", safetensors("{x", 0))).isEqualTo("The safetensors header is not valid JSON: the file is damaged.");
    assertThat(check("b.safetensors", safetensors("[1]", 0))).isEqualTo("The safetensors header is not a JSON object: the file is damaged.");
    assertThat(check("c.safetensors", safetensors("{\"__metadata__\":\"x\"}", 0)))
        .isEqualTo("The safetensors __metadata__ is not a map of strings: the file is damaged.");
    assertThat(check("d.safetensors", safetensors("{\"w\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1)))
        .isEqualTo("Tensor 'w' in the safetensors header has no valid dtype, shape and data_offsets: the file is damaged.");
    assertThat(check("e.safetensors", safetensors("{\"w\":{\"dtype\":\"F16\",\"shape\":[-1],\"data_offsets\":[0,2]}}", 2)))
        .isEqualTo("Tensor 'w' has a negative or non-numeric dimension: the file is damaged.");
    assertThat(check("f.safetensors", safetensors("{\"w\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,8]}}", 8)))
        .isEqualTo("Tensor 'w' does not have the size its shape and dtype give: the file is damaged.");
  }

  @Test
  void tensorsOutsideTheDataAreRefusedAtTheExactBoundary() throws Exception {
    assertThat(check("end.safetensors", safetensors("{\"w\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8))).isNull();
    assertThat(check("past.safetensors", safetensors("{\"w\":{\"dtype\":\"U8\",\"shape\":[9],\"data_offsets\":[0,9]}}", 8)))
        .isEqualTo("Tensor 'w' lies outside the file's data (offsets 0 to 9 of 8 bytes): the file is damaged or incomplete.");
    assertThat(check("reversed.safetensors", safetensors("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8)))
        .startsWith("Tensor 'w' lies outside the file's data (offsets 8 to 0");
    assertThat(check("negative.safetensors", safetensors("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}}", 8)))
        .startsWith("Tensor 'w' lies outside the file's data (offsets -1 to 0");
  }

  /** Names in a reason are cut to 80 characters and control characters shown as '?': the reason file stays one readable line. */
  @Test
  void aHostileTensorNameIsShortenedAndCleanedInTheReason() throws Exception {
    String name = "a\\u0007b" + "x".repeat(100);
    assertThat(check("n.safetensors", safetensors("{\"" + name + "\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,9]}}", 2)))
        .startsWith("Tensor 'a?b" + "x".repeat(74) + "...' lies outside");
  }

  @Test
  void otherTypesAndEmptyPicklesAreRefused() throws Exception {
    assertThat(check("a.gguf", new byte[] {'G', 'G', 'U', 'F'})).isEqualTo("Only model files are taken (.safetensors, or .ckpt, .pt, .pth, .bin): this one is a different type.");
    assertThat(check("empty.pt", new byte[0])).isEqualTo("The file is empty.");
    assertThat(ModelFileCheck.refusal(Files.write(dir.resolve("x.CKPT"), TORCH_STATE_DICT), true)).startsWith("Pickle-based model files");
  }

  /**
   * torch's legacy format is five pickles and then raw storage bytes (torch/serialization.py
   * _legacy_save): the raw bytes are not read as a pickle, but a sixth byte right after a pickle
   * that is no end of file is one more pickle to scan.
   */
  @Test
  void theLegacyFormatsFivePicklesAreScannedAndItsRawDataIsNot() throws Exception {
    ByteArrayOutputStream legacy = new ByteArrayOutputStream();
    for (int i = 0; i < 5; i++) {
      legacy.writeBytes(TORCH_STATE_DICT);
    }
    legacy.writeBytes(OS_SYSTEM); // storage bytes that happen to look like a pickle
    assertThat(check("legacy.pth", legacy.toByteArray())).isNull();
    ByteArrayOutputStream fourth = new ByteArrayOutputStream();
    for (int i = 0; i < 3; i++) {
      fourth.writeBytes(TORCH_STATE_DICT);
    }
    fourth.writeBytes(OS_SYSTEM);
    assertThat(check("fourth.pth", fourth.toByteArray())).startsWith("Refused because it imports os.system");
    byte[] zeroAfter = bytes(TORCH_STATE_DICT, 0x00);
    assertThat(check("zero.bin", zeroAfter)).isEqualTo("Refused because opcode 0x00, which is no pickle opcode this scanner knows.");
    assertThat(check("cut.bin", java.util.Arrays.copyOf(TORCH_STATE_DICT, 20)))
        .startsWith("The file is neither a safetensors file nor a torch archive nor a complete pickle");
  }

  @Test
  void archivesAreScannedEntryByEntry() throws Exception {
    assertThat(check("two.pt", zip("archive/data.pkl", TORCH_STATE_DICT, "archive/extra.pkl", OS_SYSTEM)))
        .startsWith("Refused because it imports os.system");
    assertThat(check("none.pt", zip("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo("The archive holds no pickle: it is no torch model file.");
    assertThat(check("broken.pt", bytes('P', 'K', 3, 4, "garbage that is no zip")))
        .isEqualTo("The file looks like a zip archive but cannot be read as one: it is damaged or incomplete.");
    assertThat(check("cut.pt", zip("archive/data.pkl", java.util.Arrays.copyOf(TORCH_STATE_DICT, 20))))
        .startsWith("A pickle in the archive is malformed");
  }

  /** torch looks records up without regard to case (miniz's MZ_TOLOWER in PyTorchStreamReader::getRecordID): so does the scan. */
  @Test
  void anArchiveEntryInCapitalsIsScannedToo() throws Exception {
    assertThat(check("caps.pt", zip("archive/x.pkl", TORCH_STATE_DICT, "archive/data.PKL", OS_SYSTEM)))
        .startsWith("Refused because it imports os.system");
    assertThat(check("code.pt", zip("archive/data.pkl", TORCH_STATE_DICT, "archive/CODE/__torch__.py", new byte[] {'#'})))
        .startsWith("The archive holds TorchScript code");
  }

  /** torch.load tries tarfile first (torch/serialization.py legacy_load): a file with a valid tar header is refused whatever follows. */
  @Test
  void aTarArchiveIsRefused() throws Exception {
    byte[] tar = new byte[1024];
    byte[] name = "N.N.N.N.N.".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(name, 0, tar, 0, name.length);
    System.arraycopy("0000644\0".getBytes(StandardCharsets.US_ASCII), 0, tar, 100, 8);
    System.arraycopy("00000000000\0".getBytes(StandardCharsets.US_ASCII), 0, tar, 124, 12);
    tar[156] = '0';
    long sum = 256;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? 0 : tar[i] & 0xff;
    }
    byte[] checksum = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(checksum, 0, tar, 148, 8);
    assertThat(check("old.pt", tar)).isEqualTo("The file is a tar archive (torch's oldest format), which is not taken: save the model again or use .safetensors.");
    tar[0] = 'M'; // the checksum no longer matches: no tar, and no pickle either
    assertThat(check("notar.pt", tar)).as("read as a pickle, and refused as one").startsWith("Refused because opcode 0x00");
  }

  /** The header's JSON must end inside the header: one that goes on into the tensor data is no header. */
  @Test
  void aHeaderThatRunsIntoTheDataIsInvalid() throws Exception {
    byte[] json = "{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}".getBytes(StandardCharsets.UTF_8);
    byte[] file = java.nio.ByteBuffer.allocate(8 + json.length + 1).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putLong(json.length).put(json).put((byte) '}').array();
    assertThat(check("open.safetensors", file)).isEqualTo("The safetensors header is not valid JSON: the file is damaged.");
  }

  @Test
  void theBoundariesOfTheSizeChecks() throws Exception {
    assertThat(check("eight.safetensors", new byte[8])).as("8 bytes: a header length, and a header that does not fit")
        .isEqualTo("The safetensors header length (0 bytes) does not fit the file of 8 bytes: the file is damaged or incomplete.");
    // a second tensor after the first: its size is end minus begin
    assertThat(check("two.safetensors", safetensors("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
        + "\"b\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[2,4]}}", 4))).isNull();
    assertThat(check("overflow.safetensors", safetensors("{\"w\":{\"dtype\":\"F16\",\"shape\":[1099511627776,1099511627776,1099511627776],"
        + "\"data_offsets\":[0,8]}}", 8))).isEqualTo("Tensor 'w' does not have the size its shape and dtype give: the file is damaged.");
    assertThat(check("text-dim.safetensors", safetensors("{\"w\":{\"dtype\":\"F16\",\"shape\":[\"2\"],\"data_offsets\":[0,4]}}", 4)))
        .isEqualTo("Tensor 'w' has a negative or non-numeric dimension: the file is damaged.");
    assertThat(check("text-offset.safetensors", safetensors("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,\"4\"]}}", 4)))
        .isEqualTo("Tensor 'w' in the safetensors header has no valid dtype, shape and data_offsets: the file is damaged.");
    String eighty = "x".repeat(80);
    assertThat(check("eighty.safetensors", safetensors("{\"" + eighty + "\":{\"dtype\":\"U8\",\"shape\":[9],\"data_offsets\":[0,9]}}", 0)))
        .startsWith("Tensor '" + eighty + "' lies outside");
    assertThat(check("eighty-one.safetensors", safetensors("{\"" + eighty + "y\":{\"dtype\":\"U8\",\"shape\":[9],\"data_offsets\":[0,9]}}", 0)))
        .startsWith("Tensor '" + "x".repeat(77) + "...' lies outside");
  }

  /** Python's tarfile takes a header whose checksum is the unsigned or the signed byte sum (Lib/tarfile.py calc_chksums): both are tars. */
  @Test
  void tarHeadersWithHighBytesAreRecognisedBothWays() throws Exception {
    for (boolean signed : new boolean[] {false, true}) {
      byte[] tar = new byte[1024];
      byte[] name = "stor\u00e4ges".getBytes(StandardCharsets.ISO_8859_1);
      System.arraycopy(name, 0, tar, 0, name.length);
      tar[156] = '0';
      long sum = 256;
      for (int i = 0; i < 512; i++) {
        sum += (i >= 148 && i < 156) ? 0 : signed ? tar[i] : tar[i] & 0xff;
      }
      System.arraycopy(String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII), 0, tar, 148, 8);
      assertThat(ModelFileCheck.isTar(Files.write(dir.resolve("t" + signed + ".pt"), tar))).as(signed ? "signed" : "unsigned").isTrue();
    }
  }

  static byte[] zip(Object... entries) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (int i = 0; i < entries.length; i += 2) {
        zip.putNextEntry(new ZipEntry((String) entries[i]));
        zip.write((byte[]) entries[i + 1]);
        zip.closeEntry();
      }
    }
    return out.toByteArray();
  }
}
