package io.kvraft.raft;

import java.util.ArrayDeque;

/**
 * The leader's view of one follower (Raft Figure 2 nextIndex/matchIndex, plus the flow control of
 * etcd's progress tracker): PROBE sends one AppendEntries at a time until the follower's log
 * position is found; REPLICATE streams entries optimistically with up to maxInflight messages in
 * flight; SNAPSHOT waits for a snapshot to be installed because the entries it needs were compacted
 * away.
 *
 * <p>Invariant: {@code match < next}.
 */
final class Progress {
  enum State {
    PROBE,
    REPLICATE,
    SNAPSHOT
  }

  long match;
  long next;
  State state = State.PROBE;

  /**
   * In PROBE: an AppendEntries is outstanding; nothing more is sent until a reply or a heartbeat
   * reply.
   */
  boolean probeSent;

  /** Heard from since the last CheckQuorum round. */
  boolean recentActive = true;

  /** Heartbeat replies in a row during which match did not move while entries were in flight. */
  int stalledHeartbeats;

  long matchAtLastHeartbeat;
  private final ArrayDeque<Long> inflight = new ArrayDeque<>();

  Progress(long next) {
    this.next = next;
  }

  void becomeProbe(long newNext) {
    state = State.PROBE;
    next = Math.max(newNext, match + 1);
    probeSent = false;
    inflight.clear();
    stalledHeartbeats = 0;
  }

  void becomeReplicate() {
    state = State.REPLICATE;
    next = match + 1;
    probeSent = false;
    inflight.clear();
    stalledHeartbeats = 0;
  }

  void becomeSnapshot() {
    state = State.SNAPSHOT;
    probeSent = false;
    inflight.clear();
  }

  /** Records a follower's acknowledgement; returns whether it moved match forward. */
  boolean maybeUpdate(long index) {
    boolean moved = index > match;
    if (moved) {
      match = index;
      stalledHeartbeats = 0;
    }
    next = Math.max(next, index + 1);
    while (!inflight.isEmpty() && inflight.peekFirst() <= index) {
      inflight.pollFirst();
    }
    return moved;
  }

  void sentEntries(long lastIndex) {
    inflight.addLast(lastIndex);
    next = lastIndex + 1;
  }

  boolean inflightFull(int max) {
    return inflight.size() >= max;
  }

  boolean hasInflight() {
    return !inflight.isEmpty();
  }

  @Override
  public String toString() {
    return state + "{match=" + match + ", next=" + next + ", inflight=" + inflight.size() + "}";
  }
}
