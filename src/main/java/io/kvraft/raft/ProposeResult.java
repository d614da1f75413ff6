package io.kvraft.raft;

public sealed interface ProposeResult {
  /**
   * Appended to the leader's log at {@code index} in {@code term}; it commits only if that entry
   * survives.
   */
  record Accepted(long index, long term) implements ProposeResult {}

  /** This node is not the leader; {@code leaderHint} is the leader it knows of, or null. */
  record NotLeader(String leaderHint) implements ProposeResult {}
}
