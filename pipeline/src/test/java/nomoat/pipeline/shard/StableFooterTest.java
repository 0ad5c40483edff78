package nomoat.pipeline.shard;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shard footers list each chunk's encodings in one order, whatever order parquet-mr's HashSet gave. */
class StableFooterTest {
  @TempDir Path tmp;
  static final Configuration CONF = new Configuration();

  static FileMetaData footer(byte[] file) throws Exception {
    int n = file.length;
    int len = ByteBuffer.wrap(file, n - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    return Util.readFileMetaData(new ByteArrayInputStream(file, n - 8 - len, len));
  }

  static List<List<Encoding>> encodingLists(FileMetaData f) {
    List<List<Encoding>> out = new ArrayList<>();
    for (RowGroup g : f.getRow_groups()) for (ColumnChunk c : g.getColumns()) out.add(c.getMeta_data().getEncodings());
    return out;
  }

  static boolean ascending(List<Encoding> l) {
    for (int i = 1; i < l.size(); i++) if (l.get(i - 1).getValue() > l.get(i).getValue()) return false;
    return true;
  }

  /** The same file with every chunk's encodings in descending order, as a JVM with other hash codes may write it. */
  static byte[] withDescendingEncodings(byte[] file) throws Exception {
    int n = file.length;
    int len = ByteBuffer.wrap(file, n - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    FileMetaData f = footer(file);
    for (RowGroup g : f.getRow_groups()) {
      for (ColumnChunk c : g.getColumns()) {
        List<Encoding> e = new ArrayList<>(c.getMeta_data().getEncodings());
        e.sort(Collections.reverseOrder((a, b) -> Integer.compare(a.getValue(), b.getValue())));
        c.getMeta_data().setEncodings(e);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(file, 0, n - 8 - len);
    Util.writeFileMetaData(f, out);
    int newLen = out.size() - (n - 8 - len);
    out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(newLen).array());
    out.write("PAR1".getBytes());
    return out.toByteArray();
  }

  private byte[] writeShard(String name, List<ShardRow> rows) throws Exception {
    String uri = new org.apache.hadoop.fs.Path(tmp.resolve(name).toUri()).toString();
    // small row groups and pages: several chunks, each with several encodings (dictionary, plain, RLE levels)
    try (ShardWriter w = ShardWriter.open(CONF, uri, new ShardWriter.Options(ShardCompression.best(), 16 << 10, 2 << 10))) {
      for (ShardRow r : rows) w.write(r);
    }
    return Files.readAllBytes(tmp.resolve(name));
  }

  @Test
  void shardFootersListEncodingsInAscendingOrderAndRewritingIsIdempotent() throws Exception {
    List<ShardRow> rows = ShardFilesTest.sampleRows(new Random(3), 2000);
    byte[] file = writeShard("a.parquet", rows);
    FileMetaData f = footer(file);
    assertTrue(f.getRow_groups().size() > 1, "several row groups");
    List<List<Encoding>> lists = encodingLists(f);
    assertTrue(lists.stream().anyMatch(l -> l.size() >= 2), "some chunk uses two or more encodings: " + lists);
    for (List<Encoding> l : lists) assertTrue(ascending(l), "encodings in ascending order: " + lists);
    assertSame(file, StableFooterOutputFile.withSortedEncodings(file), "a sorted footer is left as it is");
  }

  @Test
  void aFooterWithEncodingsInAnotherOrderBecomesTheSameBytes() throws Exception {
    List<ShardRow> rows = ShardFilesTest.sampleRows(new Random(4), 2000);
    byte[] file = writeShard("a.parquet", rows);
    byte[] flipped = withDescendingEncodings(file);
    assertFalse(Arrays.equals(file, flipped), "the flipped footer differs (the bug as it was seen)");
    assertArrayEquals(file, StableFooterOutputFile.withSortedEncodings(flipped));

    // and through the stream: the flipped file written in odd-sized pieces comes out as the sorted one
    Path p = tmp.resolve("through-stream.parquet");
    StableFooterOutputFile out = new StableFooterOutputFile(
        HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(p.toUri()), CONF), 1 << 18);
    try (PositionOutputStream s = out.createOrOverwrite(0)) {
      Random rnd = new Random(5);
      for (int at = 0; at < flipped.length; ) {
        int n = Math.min(flipped.length - at, rnd.nextInt(3) == 0 ? 1 : rnd.nextInt(20_000));
        if (n == 1) s.write(flipped[at]); else s.write(flipped, at, n);
        at += n;
        assertEquals(at, s.getPos());
      }
    }
    assertArrayEquals(file, Files.readAllBytes(p));
    assertEquals(rows, ShardReader.readAll(CONF, new org.apache.hadoop.fs.Path(p.toUri()).toString()));
  }

  @Test
  void bytesThatAreNotAParquetTailPassThroughUnchanged() throws Exception {
    Random rnd = new Random(6);
    for (int tail : new int[] {1, 7, 100, 1 << 16}) {
      byte[] data = new byte[rnd.nextInt(300_000)];
      rnd.nextBytes(data);
      if (data.length >= 4) System.arraycopy("PAR1".getBytes(), 0, data, data.length - 4, 4); // magic, but no footer
      Path p = tmp.resolve("raw-" + tail);
      StableFooterOutputFile out = new StableFooterOutputFile(
          HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(p.toUri()), CONF), tail);
      try (PositionOutputStream s = out.createOrOverwrite(0)) {
        for (int at = 0; at < data.length; ) {
          int n = Math.min(data.length - at, 1 + rnd.nextInt(3 * tail + 5));
          s.write(data, at, n);
          at += n;
        }
      }
      assertArrayEquals(data, Files.readAllBytes(p), "tail " + tail);
    }
  }
}
