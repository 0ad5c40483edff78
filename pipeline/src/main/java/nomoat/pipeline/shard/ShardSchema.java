package nomoat.pipeline.shard;

import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The Parquet schema of {@code data/{train,validation}/part-*.parquet}, version {@value #VERSION}.
 *
 * <table>
 *   <caption>Columns</caption>
 *   <tr><th>column</th><th>Parquet type</th><th>Spark type</th><th>meaning</th></tr>
 *   <tr><td>example_id</td><td>required binary (STRING)</td><td>string</td><td>example id; packed rows: ids joined with ","</td></tr>
 *   <tr><td>source</td><td>required binary (STRING)</td><td>string</td><td>source name; packed rows: distinct sources joined with ","</td></tr>
 *   <tr><td>num_tokens</td><td>required int32</td><td>int</td><td>length of input_ids</td></tr>
 *   <tr><td>num_trained_tokens</td><td>required int32</td><td>int</td><td>labels that are not -100</td></tr>
 *   <tr><td>input_ids</td><td>required LIST of required int32</td><td>array&lt;int&gt;</td><td>token ids</td></tr>
 *   <tr><td>labels</td><td>required LIST of required int32</td><td>array&lt;int&gt;</td><td>unshifted labels: the token id where trained, -100 elsewhere</td></tr>
 *   <tr><td>segment_ids</td><td>optional LIST of required int32</td><td>array&lt;int&gt;</td><td>null unless packed: 1-based example index within the row</td></tr>
 *   <tr><td>position_ids</td><td>optional LIST of required int32</td><td>array&lt;int&gt;</td><td>null unless packed: position within the example, from 0</td></tr>
 * </table>
 *
 * Lists use the standard 3-level encoding ({@code group (LIST) { repeated group list { element } }}), so
 * Spark, pandas and DuckDB read them as integer arrays. The file's key-value metadata holds
 * {@value #VERSION_KEY} = {@value #VERSION}.
 */
public final class ShardSchema {
  private ShardSchema() {}

  public static final int VERSION = 1;
  public static final String VERSION_KEY = "nomoat.shard.schema_version";

  public static final String EXAMPLE_ID = "example_id";
  public static final String SOURCE = "source";
  public static final String NUM_TOKENS = "num_tokens";
  public static final String NUM_TRAINED_TOKENS = "num_trained_tokens";
  public static final String INPUT_IDS = "input_ids";
  public static final String LABELS = "labels";
  public static final String SEGMENT_IDS = "segment_ids";
  public static final String POSITION_IDS = "position_ids";

  /** Field indexes in {@link #MESSAGE}, in column order. */
  static final int I_EXAMPLE_ID = 0, I_SOURCE = 1, I_NUM_TOKENS = 2, I_NUM_TRAINED_TOKENS = 3,
      I_INPUT_IDS = 4, I_LABELS = 5, I_SEGMENT_IDS = 6, I_POSITION_IDS = 7;

  public static final MessageType MESSAGE = MessageTypeParser.parseMessageType("""
      message nomoat_shard {
        required binary example_id (STRING);
        required binary source (STRING);
        required int32 num_tokens;
        required int32 num_trained_tokens;
        required group input_ids (LIST) { repeated group list { required int32 element; } }
        required group labels (LIST) { repeated group list { required int32 element; } }
        optional group segment_ids (LIST) { repeated group list { required int32 element; } }
        optional group position_ids (LIST) { repeated group list { required int32 element; } }
      }""");
}
