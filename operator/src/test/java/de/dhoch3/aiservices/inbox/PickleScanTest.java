package de.dhoch3.aiservices.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Pickles written byte by byte after CPython's Lib/pickletools.py (opcode letters and argument
 * encodings), as an attacker writes them and as torch.save writes a state dict
 * (torch/serialization.py _save: protocol 2, storages as persistent ids).
 */
class PickleScanTest {
  /** Protocol 0: GLOBAL os system, MARK, STRING 'echo pwned', TUPLE, REDUCE, STOP: runs os.system("echo pwned") when loaded. */
  static final byte[] OS_SYSTEM = "cos\nsystem\n(S'echo pwned'\ntR.".getBytes(StandardCharsets.US_ASCII);

  /**
   * {"weight": tensor} as torch.save writes it: EMPTY_DICT, BINPUT, MARK, BINUNICODE 'weight',
   * GLOBAL torch._utils _rebuild_tensor_v2, the persistent id ('storage', torch.FloatStorage, '0',
   * 'cpu', 4) by BINPERSID, offset, size (2, 2), stride (2, 1), requires_grad False, an empty
   * OrderedDict of hooks, REDUCE, SETITEMS, STOP.
   */
  static final byte[] TORCH_STATE_DICT = bytes(
      0x80, 0x02, '}', 'q', 0x00, '(', 'X', 6, 0, 0, 0, "weight", 'q', 0x01,
      'c', "torch._utils\n_rebuild_tensor_v2\n", 'q', 0x02,
      '(', '(', 'X', 7, 0, 0, 0, "storage", 'q', 0x03, 'c', "torch\nFloatStorage\n", 'q', 0x04,
      'X', 1, 0, 0, 0, "0", 'q', 0x05, 'X', 3, 0, 0, 0, "cpu", 'q', 0x06, 'K', 4, 't', 'q', 0x07, 'Q',
      'K', 0, 'K', 2, 'K', 2, 0x86, 'q', 0x08, 'K', 2, 'K', 1, 0x86, 'q', 0x09, 0x89,
      'c', "collections\nOrderedDict\n", 'q', 0x0a, ')', 'R', 'q', 0x0b, 't', 'q', 0x0c, 'R', 'q', 0x0d, 'u', '.');

  static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : parts) {
      if (part instanceof String text) {
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
      } else if (part instanceof byte[] raw) {
        out.writeBytes(raw);
      } else if (part instanceof Character c) {
        out.write(c);
      } else {
        out.write((Integer) part);
      }
    }
    return out.toByteArray();
  }

  private static String refusal(byte[] pickle) throws IOException {
    return PickleScan.scan(new ByteArrayInputStream(pickle)).refusal();
  }

  @Test
  void aTorchStateDictOnlyRebuildsTensors() throws Exception {
    assertThat(refusal(TORCH_STATE_DICT)).isNull();
  }

  @Test
  void osSystemIsRefusedByName() throws Exception {
    assertThat(refusal(OS_SYSTEM)).isEqualTo("it imports os.system, which loading would run (only tensors and plain data are taken)");
  }

  /** Protocol 4: SHORT_BINUNICODE 'builtins', MEMOIZE, SHORT_BINUNICODE 'eval', MEMOIZE, STACK_GLOBAL, ... REDUCE. */
  @Test
  void anImportBuiltOnTheStackIsReadToo() throws Exception {
    byte[] eval = bytes(0x80, 0x04, 0x8c, 8, "builtins", 0x94, 0x8c, 4, "eval", 0x94, 0x93, 0x94,
        0x8c, 8, "print(1)", 0x94, 0x85, 0x94, 'R', 0x94, '.');
    assertThat(refusal(eval)).isEqualTo("it imports builtins.eval, which loading would run (only tensors and plain data are taken)");
  }

  /** The module name memoised early and fetched back with BINGET right before the import. */
  @Test
  void anImportWhoseNameComesFromTheMemoIsReadToo() throws Exception {
    byte[] exec = bytes(0x80, 0x04, 0x8c, 8, "builtins", 0x94, '0', 'N', '0', 'h', 0, 0x8c, 4, "exec", 0x93, '.');
    assertThat(refusal(exec)).isEqualTo("it imports builtins.exec, which loading would run (only tensors and plain data are taken)");
  }

  @Test
  void whatTheScannerCannotNameIsRefused() throws Exception {
    assertThat(refusal(bytes(0x80, 0x02, 0x82, 1, '.'))).startsWith("an import through the extension registry");
    assertThat(refusal(bytes(0x80, 0x04, 'K', 1, 'K', 2, 0x93, '.'))).startsWith("an import whose name the scanner cannot read");
    assertThat(refusal(bytes(0x80, 0x02, 0xff, '.'))).isEqualTo("opcode 0xff, which is no pickle opcode this scanner knows");
  }

  @Test
  void aPickleCutShortIsNoPickle() {
    byte[] cut = java.util.Arrays.copyOf(TORCH_STATE_DICT, TORCH_STATE_DICT.length - 10);
    assertThatThrownBy(() -> refusal(cut)).isInstanceOf(IOException.class);
  }

  /** TorchScript archives carry code that torch.jit.load runs: refused even with harmless pickles. */
  @Test
  void torchScriptCodeInAnArchiveIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (var zip = new java.util.zip.ZipOutputStream(bytes)) {
      zip.putNextEntry(new java.util.zip.ZipEntry("model/data.pkl"));
      zip.write(TORCH_STATE_DICT);
      zip.putNextEntry(new java.util.zip.ZipEntry("model/code/__torch__.py"));
      zip.write("def forward(self): ...".getBytes(StandardCharsets.US_ASCII));
    }
    java.nio.file.Path file = java.nio.file.Files.write(dir.resolve("scripted.pt"), bytes.toByteArray());
    assertThat(ModelFileCheck.refusal(file, false)).startsWith("The archive holds TorchScript code");
    java.nio.file.Path legacy = java.nio.file.Files.write(dir.resolve("legacy.bin"), TORCH_STATE_DICT);
    assertThat(ModelFileCheck.refusal(legacy, false)).as("a raw pickle (torch's legacy format)").isNull();
  }

  /** Every opcode with an argument, in each of its encodings, before an allowed import: read past correctly, nothing refused. */
  @Test
  void everyArgumentEncodingIsReadPast() throws Exception {
    byte[] all = bytes(0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0, 0,
        'J', 1, 2, 3, 4, '0', 'K', 5, '0', 'M', 1, 2, '0', 'G', 0, 0, 0, 0, 0, 0, 0, 0, '0',
        0x8a, 2, 1, 2, '0', 0x8b, 3, 0, 0, 0, 1, 2, 3, '0', 'B', 2, 0, 0, 0, 'x', 'y', '0', 'C', 0, '0', 'C', 2, 0xff, 0xfe, '0',
        0x8e, 1, 0, 0, 0, 0, 0, 0, 0, 'z', '0', 0x96, 1, 0, 0, 0, 0, 0, 0, 0, 'z', '0',
        'I', "12\n", '0', 'F', "1.5\n", '0', 'L', "7L\n", '0', 'S', "'quoted'\n", '0', 'V', "text\n", '0',
        'T', 3, 0, 0, 0, "abc", '0', 'U', 2, "ab", '0', 0x8d, 1, 0, 0, 0, 0, 0, 0, 0, "a", '0',
        'X', 44, 1, 0, 0, "a".repeat(300), '0',
        'c', "collections\nOrderedDict\n", ')', 'R', '.');
    assertThat(refusal(all)).isNull();
  }

  /** Protocol 0 strings with quotes, then STACK_GLOBAL (protocol 4's opcode in a mixed pickle): the quotes are no part of the name. */
  @Test
  void quotedTextStringsAreReadAsNames() throws Exception {
    assertThat(refusal(bytes('S', "'os'\n", 'S', "\"system\"\n", 0x93, '.')))
        .isEqualTo("it imports os.system, which loading would run (only tensors and plain data are taken)");
    assertThat(refusal(bytes('V', "posix\n", 'V', "system\n", 0x93, '.')))
        .isEqualTo("it imports posix.system, which loading would run (only tensors and plain data are taken)");
  }

  /** Many values before the import: the scanner still sees the two strings pushed last. */
  @Test
  void anImportAfterManyValuesIsStillRead() throws Exception {
    ByteArrayOutputStream many = new ByteArrayOutputStream();
    many.writeBytes(bytes(0x80, 0x04));
    for (int i = 0; i < 100; i++) {
      many.writeBytes(bytes('K', i));
    }
    many.writeBytes(bytes(0x8c, 2, "os", 0x8c, 6, "system", 0x93, '.'));
    assertThat(refusal(many.toByteArray())).isEqualTo("it imports os.system, which loading would run (only tensors and plain data are taken)");
  }

  /** A name longer than any module name (over 1 MiB) is not kept: an import made of it cannot be named, so it is refused. */
  @Test
  void aHugeStringIsNoName() throws Exception {
    int length = (1 << 20) + 1;
    byte[] huge = bytes('X', length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, 0, new byte[length], 0x8c, 6, "system", 0x93, '.');
    assertThat(refusal(huge)).startsWith("an import whose name the scanner cannot read");
    byte[] line = bytes('S', "'" + "x".repeat(70_000) + "'\n", '.');
    assertThatThrownBy(() -> refusal(line)).isInstanceOf(IOException.class);
  }

  /** Protocol 0's memo: PUT and GET by decimal index (the import's parts fetched back in the right order). */
  @Test
  void textMemoIndicesAreReadExactly() throws Exception {
    assertThat(refusal(bytes('V', "os\n", 'p', "0\n", 'V', "system\n", 'p', "1\n", '0', '0', 'g', "0\n", 'g', "1\n", 0x93, '.')))
        .isEqualTo("it imports os.system, which loading would run (only tensors and plain data are taken)");
  }
}
