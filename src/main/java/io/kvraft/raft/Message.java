package io.kvraft.raft;

import java.util.List;

/**
 * The messages Raft nodes exchange, named after the paper. Every message carries the sender's term;
 * a receiver that sees a higher term adopts it (Raft §5.1), with the PreVote and lease exceptions
 * documented in {@link RaftCore}.
 */
public sealed interface Message {
  String from();

  String to();

  long term();

  /**
   * RequestVote (Raft §5.2), or its PreVote variant (dissertation §9.6) when {@code preVote}: then
   * {@code term} is the term the sender would campaign in, and nobody changes state on receiving
   * it.
   */
  record VoteRequest(
      String from, String to, long term, long lastLogIndex, long lastLogTerm, boolean preVote)
      implements Message {}

  record VoteResponse(String from, String to, long term, boolean granted, boolean preVote)
      implements Message {}

  /**
   * AppendEntries (Raft §5.3). An empty {@code entries} list is a probe of the follower's log, not
   * a heartbeat: heartbeats are {@link Heartbeat} so that they never wait behind log persistence.
   */
  record AppendRequest(
      String from,
      String to,
      long term,
      long prevLogIndex,
      long prevLogTerm,
      List<Entry> entries,
      long leaderCommit)
      implements Message {}

  /**
   * On success {@code matchIndex} is the last index known to match the leader's log. On rejection,
   * {@code rejectedPrevIndex} echoes the request's prevLogIndex (to spot stale rejections) and the
   * conflict hint lets the leader skip a whole term per round trip (dissertation §5.3
   * optimisation): {@code conflictTerm} is the follower's term at prevLogIndex (0 when the
   * follower's log is shorter) and {@code conflictIndex} the first index of that term in the
   * follower's log (or its lastIndex + 1).
   */
  record AppendResponse(
      String from,
      String to,
      long term,
      boolean success,
      long matchIndex,
      long rejectedPrevIndex,
      long conflictTerm,
      long conflictIndex)
      implements Message {}

  /**
   * Leader liveness and commit propagation. {@code commit} is at most what the receiver is known to
   * have matched, so a follower never commits an entry it holds but the leader does not. {@code
   * readRound} confirms leadership for ReadIndex reads (dissertation §6.4).
   */
  record Heartbeat(String from, String to, long term, long commit, long readRound)
      implements Message {}

  record HeartbeatResponse(String from, String to, long term, long readRound) implements Message {}

  /**
   * A follower asking the leader for a read index on behalf of its own client (dissertation §6.4).
   */
  record ReadIndexRequest(String from, String to, long term, long requestId) implements Message {}

  /**
   * {@code readIndex} is -1 when the leader could not serve the read (it is not leader any more).
   */
  record ReadIndexResponse(String from, String to, long term, long requestId, long readIndex)
      implements Message {}
}
