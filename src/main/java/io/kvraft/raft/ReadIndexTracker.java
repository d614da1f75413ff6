package io.kvraft.raft;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The leader's pending ReadIndex reads (dissertation §6.4). Reads that arrive while a confirmation
 * round is in flight wait for the next round, so one heartbeat round serves every read that arrived
 * during the previous one. A round records the commit index when it starts; once a majority answers
 * a heartbeat of that round (or a later one), the leader was still leader after every read in it
 * arrived, and that commit index is a safe read point. What counts as a majority is the leader's
 * current {@link Configuration}: learners' answers count for nothing.
 */
final class ReadIndexTracker {
  interface Delivery {
    void deliver(String origin, long requestId, long readIndex);
  }

  private record Pending(String origin, long requestId) {}

  private static final class Round {
    final long id;
    final long readIndex;
    final List<Pending> reads;
    final Set<String> acks = new HashSet<>();

    Round(long id, long readIndex, List<Pending> reads) {
      this.id = id;
      this.readIndex = readIndex;
      this.reads = reads;
    }
  }

  /**
   * Reads that arrived before the leader committed an entry of its term: its commit index may be
   * behind.
   */
  private final List<Pending> waitingForCommit = new ArrayList<>();

  private final List<Pending> waitingForRound = new ArrayList<>();
  private Round inflight;
  private long latestRound;
  private final String self;
  private final Supplier<Configuration> configuration;

  ReadIndexTracker(String self, Supplier<Configuration> configuration) {
    this.self = self;
    this.configuration = configuration;
  }

  void add(String origin, long requestId, boolean leaderCommittedInItsTerm) {
    (leaderCommittedInItsTerm ? waitingForRound : waitingForCommit)
        .add(new Pending(origin, requestId));
  }

  void releaseWaitingForCommit() {
    waitingForRound.addAll(waitingForCommit);
    waitingForCommit.clear();
  }

  /**
   * Starts a round for the waiting reads if none is in flight; returns whether heartbeats must go
   * out.
   */
  boolean startRound(long commitIndex) {
    if (inflight != null || waitingForRound.isEmpty()) {
      return false;
    }
    inflight = new Round(++latestRound, commitIndex, new ArrayList<>(waitingForRound));
    waitingForRound.clear();
    return true;
  }

  long latestRound() {
    return latestRound;
  }

  /**
   * Counts {@code from}'s answer to heartbeat round {@code round}; the leader itself always counts.
   */
  void ack(String from, long round, Delivery delivery) {
    if (inflight == null || round < inflight.id) {
      return;
    }
    if (from != null) {
      inflight.acks.add(from);
    }
    inflight.acks.add(self);
    if (configuration.get().hasQuorum(inflight.acks)) {
      Round done = inflight;
      inflight = null;
      for (Pending p : done.reads) {
        delivery.deliver(p.origin, p.requestId, done.readIndex);
      }
    }
  }

  void failAll(Delivery delivery) {
    List<Pending> all = new ArrayList<>(waitingForCommit);
    all.addAll(waitingForRound);
    if (inflight != null) {
      all.addAll(inflight.reads);
    }
    waitingForCommit.clear();
    waitingForRound.clear();
    inflight = null;
    for (Pending p : all) {
      delivery.deliver(p.origin, p.requestId, -1);
    }
  }
}
