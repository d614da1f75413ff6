package io.kvraft.linearizability;

/**
 * Sequential specification of one key: a string register ("" when absent) with get, put and append.
 * The checker asks it whether an op, executed atomically in a given state, could have produced the
 * recorded output.
 */
final class RegisterModel {
  static final String INITIAL_STATE = "";

  private RegisterModel() {}

  /**
   * @param output the recorded output, or null when the outcome is unknown (then any output is
   *     acceptable)
   * @return the state after the op, or null if the op cannot have produced {@code output} in {@code
   *     state}
   */
  static String step(String state, KvOp op, KvOutput output) {
    if (op instanceof KvOp.Get) {
      boolean consistent = output == null || ((KvOutput.Value) output).value().equals(state);
      return consistent ? state : null;
    }
    if (op instanceof KvOp.Put put) {
      return put.value();
    }
    return state + ((KvOp.Append) op).value();
  }
}
