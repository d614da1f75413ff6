package io.kvraft.linearizability;

/**
 * One completed (or given-up-on) client operation: what was asked, what came back and the real-time
 * interval it spanned. An op whose outcome is unknown (timeout, 503) has no output and returns at
 * {@link #NEVER_RETURNED}: it may have taken effect at any moment after its call, so the checker
 * must be free to place it anywhere later.
 */
public record Operation(
    long id, int clientId, KvOp input, KvOutput output, long callNanos, long returnNanos) {
  public static final long NEVER_RETURNED = Long.MAX_VALUE;

  public Operation {
    if (input == null) {
      throw new IllegalArgumentException("op " + id + " has no input");
    }
    if (returnNanos < callNanos) {
      throw new IllegalArgumentException("op " + id + " returns before it is called");
    }
    if ((output == null) != (returnNanos == NEVER_RETURNED)) {
      throw new IllegalArgumentException(
          "op " + id + ": an output is recorded exactly when the op returned");
    }
    if (output != null && (input instanceof KvOp.Get) != (output instanceof KvOutput.Value)) {
      throw new IllegalArgumentException(
          "op " + id + ": a get answers a value, a write answers an ack");
    }
  }

  public static Operation completed(
      long id, int clientId, KvOp input, KvOutput output, long call, long ret) {
    return new Operation(id, clientId, input, output, call, ret);
  }

  public static Operation outcomeUnknown(long id, int clientId, KvOp input, long call) {
    return new Operation(id, clientId, input, null, call, NEVER_RETURNED);
  }

  public boolean isOutcomeUnknown() {
    return returnNanos == NEVER_RETURNED;
  }

  public String key() {
    return input.key();
  }

  public Operation withOutput(KvOutput newOutput) {
    return new Operation(id, clientId, input, newOutput, callNanos, returnNanos);
  }

  /** Human-readable form with times relative to {@code originNanos}, so explanations stay short. */
  public String describe(long originNanos) {
    String result = isOutcomeUnknown() ? "?" : output.toString();
    String ret = isOutcomeUnknown() ? "never" : Long.toString(returnNanos - originNanos);
    return "#"
        + id
        + " client "
        + clientId
        + " "
        + input
        + " -> "
        + result
        + " ["
        + (callNanos - originNanos)
        + ", "
        + ret
        + "]";
  }
}
