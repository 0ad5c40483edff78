package nomoat.pipeline.data;

/** Why a dataset row was quarantined. The lower-case name is what `rejected/` and the manifest record. */
public enum RejectReason {
  MALFORMED_JSON, MALFORMED_CSV, MISSING_FIELD, EMPTY_FIELD, UNKNOWN_ROLE, WRONG_TURN_ORDER,
  UNDECODABLE_TEXT, TOO_LONG, NO_TRAINED_TOKENS, TEMPLATE_ERROR;

  public String code() { return name().toLowerCase(java.util.Locale.ROOT); }
}
