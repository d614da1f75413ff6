package io.kvraft.raft;

/**
 * The state Raft must persist before answering anything that depends on it: the current term and
 * the vote cast in it (Raft Figure 2, "Persistent state on all servers"). {@code votedFor} is null
 * when no vote was cast this term.
 */
public record HardState(long term, String votedFor) {
  public static final HardState INITIAL = new HardState(0, null);

  public HardState {
    if (term < 0) {
      throw new IllegalArgumentException("negative term " + term);
    }
  }
}
