package nomoat.pipeline.data;

/** Who speaks a turn. Dataset spellings (human/gpt/user/assistant/system) map onto these. */
public enum Role { SYSTEM, USER, ASSISTANT }
