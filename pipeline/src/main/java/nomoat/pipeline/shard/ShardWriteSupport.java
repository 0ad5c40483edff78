package nomoat.pipeline.shard;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/** Writes {@link ShardRow}s straight into Parquet's record consumer (no intermediate objects). */
final class ShardWriteSupport extends WriteSupport<ShardRow> {
  private final Map<String, String> metadata;
  private RecordConsumer rc;

  ShardWriteSupport(Map<String, String> metadata) {
    this.metadata = metadata;
  }

  @Override
  public WriteContext init(Configuration configuration) {
    return new WriteContext(ShardSchema.MESSAGE, metadata);
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.rc = recordConsumer;
  }

  @Override
  public void write(ShardRow row) {
    rc.startMessage();
    string(ShardSchema.EXAMPLE_ID, ShardSchema.I_EXAMPLE_ID, row.exampleId());
    string(ShardSchema.SOURCE, ShardSchema.I_SOURCE, row.source());
    integer(ShardSchema.NUM_TOKENS, ShardSchema.I_NUM_TOKENS, row.numTokens());
    integer(ShardSchema.NUM_TRAINED_TOKENS, ShardSchema.I_NUM_TRAINED_TOKENS, row.numTrainedTokens());
    intList(ShardSchema.INPUT_IDS, ShardSchema.I_INPUT_IDS, row.inputIds());
    intList(ShardSchema.LABELS, ShardSchema.I_LABELS, row.labels());
    if (row.segmentIds() != null) {
      intList(ShardSchema.SEGMENT_IDS, ShardSchema.I_SEGMENT_IDS, row.segmentIds());
      intList(ShardSchema.POSITION_IDS, ShardSchema.I_POSITION_IDS, row.positionIds());
    }
    rc.endMessage();
  }

  private void string(String name, int index, String value) {
    rc.startField(name, index);
    rc.addBinary(Binary.fromString(value));
    rc.endField(name, index);
  }

  private void integer(String name, int index, int value) {
    rc.startField(name, index);
    rc.addInteger(value);
    rc.endField(name, index);
  }

  private void intList(String name, int index, int[] values) {
    rc.startField(name, index);
    rc.startGroup();
    if (values.length > 0) {
      rc.startField("list", 0);
      for (int v : values) {
        rc.startGroup();
        rc.startField("element", 0);
        rc.addInteger(v);
        rc.endField("element", 0);
        rc.endGroup();
      }
      rc.endField("list", 0);
    }
    rc.endGroup();
    rc.endField(name, index);
  }
}
