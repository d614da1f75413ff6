package io.kvraft.web.fuzz;

import java.util.Set;

/**
 * What a fuzz case may be answered. {@code exact} pins one status (the Raft endpoints' refusals are
 * fully determined by the request); otherwise a status in {@code success} is fine, any 4xx is fine
 * when {@code any4xx}, and 503 (with Retry-After) only where the service may legitimately be
 * unavailable.
 */
record Expect(Integer exact, Set<Integer> success, boolean any4xx, boolean may503) {
  static Expect exactly(int status) {
    return new Expect(status, Set.of(), false, false);
  }

  /** A request that is wrong on purpose: refused, whatever the precise reason. */
  static Expect refused() {
    return new Expect(null, Set.of(), true, false);
  }

  static Expect succeeds(Set<Integer> success) {
    return new Expect(null, success, false, false);
  }

  Expect orRefused() {
    return new Expect(exact, success, true, may503);
  }

  Expect orUnavailable() {
    return new Expect(exact, success, any4xx, true);
  }

  /** Null when {@code status} is allowed, else why not. */
  String violation(int status) {
    if (exact != null) {
      return status == exact || (may503 && status == 503) ? null : "expected exactly " + exact;
    }
    if (success.contains(status)) {
      return null;
    }
    if (status >= 400 && status < 500 && any4xx) {
      return null;
    }
    if (status == 503 && may503) {
      return null;
    }
    return "expected "
        + (success.isEmpty() ? "" : success + (any4xx ? " or " : ""))
        + (any4xx ? "a 4xx" : "")
        + (may503 ? " (or 503)" : "");
  }
}
