package io.kvraft.raft;

/**
 * Tunables of the consensus core, in ticks and message sizes; the node decides how long a tick
 * lasts.
 *
 * @param electionTicks base election timeout; each node draws its timeout in [electionTicks, 2 *
 *     electionTicks)
 * @param heartbeatTicks leader heartbeat period; must be well below electionTicks
 * @param maxEntriesPerAppend at most this many entries in one AppendEntries
 * @param maxBytesPerAppend at most this many bytes of entries in one AppendEntries (one entry
 *     always fits)
 * @param maxInflightAppends AppendEntries in flight per follower while replicating (pipelining
 *     window)
 * @param preVote run a PreVote round before raising the term (dissertation §9.6)
 * @param checkQuorum a leader steps down after an election timeout without hearing from a majority
 *     (§6.2)
 */
public record RaftConfig(
    int electionTicks,
    int heartbeatTicks,
    int maxEntriesPerAppend,
    long maxBytesPerAppend,
    int maxInflightAppends,
    boolean preVote,
    boolean checkQuorum) {

  public static RaftConfig defaults() {
    return new RaftConfig(10, 1, 512, 1 << 20, 64, true, true);
  }

  public RaftConfig {
    if (heartbeatTicks < 1 || electionTicks <= heartbeatTicks * 2) {
      throw new IllegalArgumentException(
          "need 1 <= heartbeatTicks and electionTicks > 2 * heartbeatTicks, got election="
              + electionTicks
              + " heartbeat="
              + heartbeatTicks);
    }
    if (maxEntriesPerAppend < 1 || maxBytesPerAppend < 1 || maxInflightAppends < 1) {
      throw new IllegalArgumentException("append batch limits must be positive");
    }
  }

  public RaftConfig withElectionTicks(int ticks) {
    return new RaftConfig(
        ticks,
        heartbeatTicks,
        maxEntriesPerAppend,
        maxBytesPerAppend,
        maxInflightAppends,
        preVote,
        checkQuorum);
  }

  public RaftConfig withHeartbeatTicks(int ticks) {
    return new RaftConfig(
        electionTicks,
        ticks,
        maxEntriesPerAppend,
        maxBytesPerAppend,
        maxInflightAppends,
        preVote,
        checkQuorum);
  }

  public RaftConfig withBatching(int maxEntries, long maxBytes, int maxInflight) {
    return new RaftConfig(
        electionTicks, heartbeatTicks, maxEntries, maxBytes, maxInflight, preVote, checkQuorum);
  }

  public RaftConfig withPreVote(boolean on) {
    return new RaftConfig(
        electionTicks,
        heartbeatTicks,
        maxEntriesPerAppend,
        maxBytesPerAppend,
        maxInflightAppends,
        on,
        checkQuorum);
  }

  public RaftConfig withCheckQuorum(boolean on) {
    return new RaftConfig(
        electionTicks,
        heartbeatTicks,
        maxEntriesPerAppend,
        maxBytesPerAppend,
        maxInflightAppends,
        preVote,
        on);
  }
}
