package io.kvraft.linearizability;

/**
 * Outcome of a linearizability check; {@code explanation} says which key failed and why, or what
 * timed out.
 */
public record Result(Verdict verdict, String explanation) {
  public enum Verdict {
    OK,
    ILLEGAL,
    /** The search ran out of time before reaching a verdict. */
    UNKNOWN
  }

  static Result ok() {
    return new Result(Verdict.OK, "linearizable");
  }

  static Result illegal(String explanation) {
    return new Result(Verdict.ILLEGAL, explanation);
  }

  static Result unknown(String explanation) {
    return new Result(Verdict.UNKNOWN, explanation);
  }

  public boolean isOk() {
    return verdict == Verdict.OK;
  }

  public boolean isIllegal() {
    return verdict == Verdict.ILLEGAL;
  }

  @Override
  public String toString() {
    return verdict + ": " + explanation;
  }
}
