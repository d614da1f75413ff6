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
    if (output != null && !canAnswer(input, output)) {
      throw new IllegalArgumentException("op " + id + ": " + input + " cannot answer " + output);
    }
  }

  /** Which answers each request can get at all; whether it got the right one is the model's job. */
  private static boolean canAnswer(KvOp input, KvOutput output) {
    if (input instanceof KvOp.Get) {
      return output instanceof KvOutput.Value || output instanceof KvOutput.Absent;
    }
    if (input instanceof KvOp.ListKeys) {
      return output instanceof KvOutput.Keys;
    }
    if (output instanceof KvOutput.Ack || output instanceof KvOutput.Ok) {
      return true;
    }
    if (output instanceof KvOutput.PreconditionFailed) {
      return input instanceof KvOp.PutIfMatch
          || input instanceof KvOp.PutIfAbsent
          || (input instanceof KvOp.Delete d && d.expected() > 0);
    }
    return output instanceof KvOutput.NothingToDelete
        && input instanceof KvOp.Delete d
        && d.expected() == 0;
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

  /** The same op in a narrower interval, which the revisions it and others answered imply. */
  Operation within(long call, long ret) {
    return new Operation(id, clientId, input, output, call, ret);
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
