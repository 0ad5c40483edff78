package nomoat.pipeline.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.io.OutputStream;

/** {@link ObjectOutput}/{@link ObjectInput} seen as byte streams, for writing a wire form straight into them. */
final class ObjectStreams {
  private ObjectStreams() {}

  static OutputStream output(ObjectOutput out) {
    if (out instanceof OutputStream s) return s;         // Java serialisation passes its ObjectOutputStream
    return new OutputStream() {
      @Override public void write(int b) throws IOException { out.write(b); }
      @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }
    };
  }

  static InputStream input(ObjectInput in) {
    if (in instanceof InputStream s) return s;
    return new InputStream() {
      @Override public int read() throws IOException { return in.read(); }
      @Override public int read(byte[] b, int off, int len) throws IOException { return in.read(b, off, len); }
    };
  }
}
