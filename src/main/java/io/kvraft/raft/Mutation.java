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
  NO_PRE_VOTE
}
