package io.kvraft.raft.sim;

/** Thrown by the checker; the simulator turns it into a {@link SimulationFailure} carrying seed and trace. */
final class Violation extends RuntimeException {
  final String invariant;

  Violation(String invariant, String detail) {
    super(detail, null, false, false);
    this.invariant = invariant;
  }
}
