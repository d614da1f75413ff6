package io.kvraft.raft;

public enum Role {
  FOLLOWER,
  /**
   * Collecting PreVotes: the term is not raised until a majority would vote (dissertation §9.6).
   */
  PRE_CANDIDATE,
  CANDIDATE,
  LEADER
}
