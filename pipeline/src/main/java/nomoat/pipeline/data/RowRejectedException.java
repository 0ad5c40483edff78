package nomoat.pipeline.data;

/** Thrown while interpreting one row; the builder turns it into a {@link Rejection}. Cheap: no stack trace. */
public final class RowRejectedException extends RuntimeException {
  private final RejectReason reason;

  public RowRejectedException(RejectReason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  public RejectReason reason() { return reason; }

  public String detail() { return getMessage(); }
}
