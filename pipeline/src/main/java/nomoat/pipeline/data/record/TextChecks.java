package nomoat.pipeline.data.record;

import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.RowRejectedException;

/** Text that went through a bad decode (U+FFFD) or was cut inside a surrogate pair cannot be trained on. */
final class TextChecks {
  private TextChecks() {}

  static void requireDecodable(String s, String path) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\uFFFD') {
        throw new RowRejectedException(RejectReason.UNDECODABLE_TEXT, "field '" + path + "' contains U+FFFD (undecodable bytes) at index " + i);
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) { i++; continue; }
        throw new RowRejectedException(RejectReason.UNDECODABLE_TEXT, "field '" + path + "' has an unpaired surrogate at index " + i);
      }
      if (Character.isLowSurrogate(c)) {
        throw new RowRejectedException(RejectReason.UNDECODABLE_TEXT, "field '" + path + "' has an unpaired surrogate at index " + i);
      }
    }
  }
}
