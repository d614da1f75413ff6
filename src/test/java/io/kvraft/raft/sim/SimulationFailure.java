package io.kvraft.raft.sim;

/**
 * An invariant violation (or a core exception) in one seeded run; the message says how to replay
 * it.
 */
public final class SimulationFailure extends AssertionError {
  private final long seed;
  private final int size;
  private final String invariant;

  SimulationFailure(
      long seed,
      int size,
      String profile,
      boolean rejoin,
      String invariant,
      String detail,
      String trace,
      Throwable cause) {
    super(
        "seed="
            + seed
            + " size="
            + size
            + " profile="
            + profile
            + (rejoin ? " (rejoin)" : "")
            + ": "
            + invariant
            + ": "
            + detail
            + "\n  replay: mvn -o -q -B test -Dtest=RaftSimulationTest#replay -Dsim.seed="
            + seed
            + " -Dsim.size="
            + size
            + " -Dsim.profile="
            + profile
            + (rejoin ? " -Dsim.rejoin=true" : "")
            + "  (a mutant: -Dtest=MutationTest#replay -Dsim.mutation=NAME, same properties)"
            + "\n  last events (more with -Dsim.trace=N):\n"
            + trace,
        cause);
    this.seed = seed;
    this.size = size;
    this.invariant = invariant;
  }

  public long seed() {
    return seed;
  }

  public int size() {
    return size;
  }

  /** Which check fired, e.g. "election safety", "liveness", "disruption". */
  public String invariant() {
    return invariant;
  }
}
