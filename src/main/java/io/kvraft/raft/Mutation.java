package io.kvraft.raft;

/**
 * Deliberate bugs, switched on only by tests in this package (the constructor that takes them is
 * package-private), to prove that the simulation finds each class of safety or availability
 * violation.
 */
enum Mutation {
  /** Grant votes without the §5.4.1 "candidate's log is at least as up-to-date" check. */
  VOTE_WITHOUT_LOG_CHECK,
  /** Commit an entry of an earlier term by counting replicas (the Figure 8 bug). */
  COMMIT_OLD_TERM_BY_COUNTING,
  /**
   * Send votes and append acknowledgements without waiting for the state they confirm to be
   * durable.
   */
  ACK_BEFORE_PERSIST,
  /**
   * Campaign without PreVote even when configured, so a rejoining node disrupts a healthy leader.
   */
  NO_PRE_VOTE,
  /**
   * Answer a ReadIndex at once with the commit index, without the heartbeat round that confirms
   * this node is still leader (§6.4), so a deposed leader serves stale reads.
   */
  READ_INDEX_WITHOUT_CONFIRMATION,
  /**
   * Accept an AppendEntries whenever the follower's log reaches prevLogIndex, whatever term it has
   * there (the §5.3 consistency check reduced to a length check).
   */
  NO_PREV_LOG_TERM_CHECK,
  /**
   * Hand the node a snapshot to load even when it is already covered by what this node committed,
   * so its state machine is replaced by an older one.
   */
  LOAD_COVERED_SNAPSHOT
}
