package nomoat.pipeline.data;

/** One turn of a conversation. */
public record Message(Role role, String content) implements java.io.Serializable {}
