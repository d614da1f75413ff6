package io.kvraft.node;

/**
 * What a {@link RaftNode} reports as it runs, for whoever measures it (the web layer binds it to
 * Micrometer). Calls come from the event loop or the storage thread and must return quickly; the
 * default methods do nothing.
 */
public interface NodeMetrics {
  NodeMetrics NONE = new NodeMetrics() {};

  /** A proposal this node accepted as leader. */
  default void proposalAccepted() {}

  /** A proposal refused by back-pressure ({@link OverloadedException}); nothing was queued. */
  default void proposalRejected() {}

  /** A linearizable read refused by back-pressure ({@link OverloadedException}). */
  default void readRejected() {}

  /** A ReadIndex round started for a batch of linearizable reads. */
  default void readIndexRound() {}

  /**
   * This node raised its term to campaign: an election (a PreVote round that failed does not
   * count).
   */
  default void electionStarted() {}

  /** The leader this node knows of changed to {@code newLeader} (never null). */
  default void leaderChanged(String newLeader) {}

  /**
   * Entries and hard state of one group-commit batch were written to storage (before the fsync).
   */
  default void storageWrite(long nanos, int entries) {}

  /** One fsync of the log. */
  default void fsync(long nanos) {}

  /**
   * This node wrote a snapshot of {@code bytes} (file size) in {@code nanos}, from capture until it
   * was durable.
   */
  default void snapshotTaken(long bytes, long nanos) {}

  /** A snapshot received from the leader replaced this node's state. */
  default void snapshotInstalled(long bytes) {}

  /** A follower acknowledged a whole snapshot from this node as installed and durable. */
  default void snapshotSent() {}

  /**
   * One InstallSnapshot chunk of {@code bytes} was delivered to a follower (resent chunks count
   * again).
   */
  default void snapshotChunkSent(int bytes) {}
}
