package nomoat.pipeline.data.record;

import java.util.Map;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.ExampleSettings;

/** Reads one row's fields as a conversation; throws RowRejectedException naming the faulty field. */
public interface RecordFormat {

  Conversation read(Map<String, Object> fields);

  static RecordFormat of(ExampleSettings settings) {
    return switch (settings.format()) {
      case "alpaca" -> new AlpacaRecord(settings);
      case "sharegpt" -> TurnListRecord.shareGpt(settings);
      case "messages" -> TurnListRecord.messages(settings);
      case "text" -> new TextRecord(settings);
      default -> throw new IllegalArgumentException(settings.format()); // ExampleSettings validated it
    };
  }
}
