package nomoat.pipeline.source;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Decodes UTF-8 refusing malformed bytes (the JDK's String constructor would silently replace them). */
final class StrictUtf8 {
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  /** The text, or null if the bytes are not valid UTF-8. */
  String decode(byte[] bytes, int off, int len) {
    try {
      return decoder.reset().decode(ByteBuffer.wrap(bytes, off, len)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Offset of the first invalid byte, for the rejection detail. */
  static int firstInvalidByte(byte[] bytes, int off, int len) {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, off, len);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(len + 1);
    d.decode(in, out, true);
    return in.position() - off;
  }

  /** A lossy rendering for the rejection's raw text. */
  static String lossy(byte[] bytes, int off, int len) {
    return new String(bytes, off, len, StandardCharsets.UTF_8);
  }
}
