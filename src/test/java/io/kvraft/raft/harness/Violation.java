package io.kvraft.raft.harness;

/**
 * Thrown by the {@link Invariants} (and a harness's own checks); the simulator turns it into a
 * {@code SimulationFailure} carrying seed and trace, the scenario cluster into a test failure
 * describing the cluster.
 */
public final class Violation extends RuntimeException {
  public final String invariant;

  public Violation(String invariant, String detail) {
    super(detail, null, false, false);
    this.invariant = invariant;
  }
}
