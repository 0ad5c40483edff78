package nomoat.pipeline.data.record;

import java.util.Map;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.ExampleSettings;

/** Reads one row's fields as a conversation; throws RowRejectedException naming the faulty field. */
public interface RecordFormat {

  Conversation read(Map<String, Object> fields);

  static RecordFormat of(ExampleSettings settings) {
    return switch (settings.format()) {
      case ALPACA -> new AlpacaRecord(settings);
      case SHAREGPT -> TurnListRecord.shareGpt(settings);
      case MESSAGES -> TurnListRecord.messages(settings);
      case TEXT -> new TextRecord(settings);
    };
  }
}
