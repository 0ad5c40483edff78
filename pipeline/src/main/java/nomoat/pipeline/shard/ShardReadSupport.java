package nomoat.pipeline.shard;

import java.util.Map;
import java.util.Set;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;

/** Materializes {@link ShardRow}s directly from Parquet columns; refuses files of another schema version. */
final class ShardReadSupport extends ReadSupport<ShardRow> {
  private final String uri;

  ShardReadSupport(String uri) {
    this.uri = uri;
  }

  @Override
  public ReadContext init(InitContext context) {
    Map<String, Set<String>> kv = context.getKeyValueMetadata();
    Set<String> versions = kv.get(ShardSchema.VERSION_KEY);
    if (versions == null || versions.size() != 1) {
      throw NomoatException.inputData(uri + " is not a nomoat shard (no " + ShardSchema.VERSION_KEY + " in its metadata)");
    }
    String v = versions.iterator().next();
    if (!v.equals(Integer.toString(ShardSchema.VERSION))) {
      throw NomoatException.inputData(uri + " has shard schema version " + v + "; this nomoat reads version "
          + ShardSchema.VERSION + " (re-run prepare)");
    }
    MessageType file = context.getFileSchema();
    try {
      file.checkContains(ShardSchema.MESSAGE);
    } catch (RuntimeException e) {
      throw NomoatException.inputData(uri + " does not have the shard schema: " + e.getMessage(), e);
    }
    return new ReadContext(ShardSchema.MESSAGE);
  }

  @Override
  public RecordMaterializer<ShardRow> prepareForRead(Configuration conf, Map<String, String> keyValueMetaData,
      MessageType fileSchema, ReadContext readContext) {
    return new Materializer();
  }

  private static final class Materializer extends RecordMaterializer<ShardRow> {
    private final RowConverter root = new RowConverter();

    @Override
    public ShardRow getCurrentRecord() { return root.row; }

    @Override
    public GroupConverter getRootConverter() { return root; }
  }

  private static final class RowConverter extends GroupConverter {
    private final StringConverter exampleId = new StringConverter();
    private final StringConverter source = new StringConverter();
    private final PrimitiveConverter ignoredCount = new PrimitiveConverter() {
      @Override public void addInt(int value) {} // derived from the lists
    };
    private final IntListConverter inputIds = new IntListConverter();
    private final IntListConverter labels = new IntListConverter();
    private final IntListConverter segmentIds = new IntListConverter();
    private final IntListConverter positionIds = new IntListConverter();
    private ShardRow row;

    @Override
    public Converter getConverter(int fieldIndex) {
      return switch (fieldIndex) {
        case ShardSchema.I_EXAMPLE_ID -> exampleId;
        case ShardSchema.I_SOURCE -> source;
        case ShardSchema.I_NUM_TOKENS, ShardSchema.I_NUM_TRAINED_TOKENS -> ignoredCount;
        case ShardSchema.I_INPUT_IDS -> inputIds;
        case ShardSchema.I_LABELS -> labels;
        case ShardSchema.I_SEGMENT_IDS -> segmentIds;
        case ShardSchema.I_POSITION_IDS -> positionIds;
        default -> throw new IllegalArgumentException("no field " + fieldIndex + " in the shard schema");
      };
    }

    @Override
    public void start() {
      inputIds.reset();
      labels.reset();
      segmentIds.reset();
      positionIds.reset();
    }

    @Override
    public void end() {
      row = new ShardRow(exampleId.value, source.value, inputIds.take(), labels.take(), segmentIds.take(), positionIds.take());
    }
  }

  private static final class StringConverter extends PrimitiveConverter {
    String value;

    @Override
    public void addBinary(Binary b) { value = b.toStringUsingUTF8(); }
  }

  /** The (LIST) group; its one child is the repeated "list" group whose one child is the int element. */
  private static final class IntListConverter extends GroupConverter {
    private int[] buf = new int[512];
    private int n;
    private boolean present;
    private final PrimitiveConverter element = new PrimitiveConverter() {
      @Override
      public void addInt(int value) {
        if (n == buf.length) buf = java.util.Arrays.copyOf(buf, n * 2);
        buf[n++] = value;
      }
    };
    private final GroupConverter repeated = new GroupConverter() {
      @Override public Converter getConverter(int fieldIndex) { return element; }
      @Override public void start() {}
      @Override public void end() {}
    };

    void reset() {
      n = 0;
      present = false;
    }

    int[] take() { return present ? java.util.Arrays.copyOf(buf, n) : null; }

    @Override public Converter getConverter(int fieldIndex) { return repeated; }

    @Override public void start() { present = true; }

    @Override public void end() {}
  }
}
