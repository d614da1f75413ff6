package io.kvraft.raft;

/** What the core made of a snapshot offered by {@link RaftCore#installSnapshot}. */
public enum SnapshotInstall {
  /** Accepted: the next {@link Ready#snapshot()} asks the node to load it and compact storage. */
  INSTALLED,
  /** Nothing to do: this node has already committed everything the snapshot covers. */
  ALREADY_COVERED,
  /**
   * Refused: the sender is not the leader of a current term (or not a member, or this node leads
   * the term).
   */
  REJECTED
}
