package nomoat.pipeline.data;

/**
 * A quarantined row: what it was, where it came from and why it was refused.
 *
 * @param detail one human-readable sentence, e.g. "field 'conversations[2].from' has unknown role 'bot'"
 */
public record Rejection(String source, String location, RejectReason reason, String detail, String raw) implements java.io.Serializable {}
