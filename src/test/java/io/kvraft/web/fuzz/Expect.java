package io.kvraft.web.fuzz;

import java.util.Set;
import java.util.TreeSet;

/**
 * What a fuzz case may be answered. {@code statuses} are the answers the contract (design §3, §4)
 * fixes for the request; a set of more than one only where the answer depends on the data (a read
 * finds the key or not, a compare-and-set matches or not). {@code any4xx} is for requests whose
 * refusal the contract leaves to the servlet container or Spring (unknown paths, paths beside
 * ours): any 4xx then passes, since pinning it would test Tomcat, not kvraft.
 *
 * <p>A 503 is never simply allowed. {@link Unavailable#RAFT} marks a request that waits for Raft (a
 * write, a linearizable read or listing, a session registration), for which a 503 is legitimate
 * only with a reason the test can see (see {@code HostileInputFuzzTest#judge503}); every other
 * request is decided before Raft and must never be 503, except health and readiness, whose 503 is
 * the probe's own answer ({@link Unavailable#PROBE}).
 */
record Expect(Set<Integer> statuses, boolean any4xx, Unavailable unavailable) {
  enum Unavailable {
    NEVER,
    RAFT,
    PROBE
  }

  static Expect exactly(int status) {
    return new Expect(Set.of(status), false, Unavailable.NEVER);
  }

  static Expect oneOf(Integer... statuses) {
    return new Expect(Set.of(statuses), false, Unavailable.NEVER);
  }

  /** Refused by the container or Spring, not by kvraft's contract: any 4xx. */
  static Expect refused() {
    return new Expect(Set.of(), true, Unavailable.NEVER);
  }

  static Expect succeeds(Set<Integer> success) {
    return new Expect(Set.copyOf(success), false, Unavailable.NEVER);
  }

  Expect orRefused() {
    return new Expect(statuses, true, unavailable);
  }

  /** The request waits for Raft: a 503 needs a reason the test can see. */
  Expect waitsForRaft() {
    return new Expect(statuses, any4xx, Unavailable.RAFT);
  }

  /** A health probe, whose 503 is its verdict, not a refused request. */
  Expect orProbeDown() {
    return new Expect(statuses, any4xx, Unavailable.PROBE);
  }

  /** Null when {@code status} is allowed (a 503 subject to its reason), else why not. */
  String violation(int status) {
    if (statuses.contains(status)) {
      return null;
    }
    if (status >= 400 && status < 500 && any4xx) {
      return null;
    }
    if (status == 503 && unavailable != Unavailable.NEVER) {
      return null;
    }
    return "expected "
        + (statuses.isEmpty() ? "" : new TreeSet<>(statuses) + (any4xx ? " or " : ""))
        + (any4xx ? "a 4xx" : "")
        + switch (unavailable) {
          case NEVER -> "";
          case RAFT -> " (or a 503 with a visible reason)";
          case PROBE -> " (or the probe's 503)";
        };
  }
}
