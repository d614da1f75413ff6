package io.kvraft.raft.sim;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.Message;
import io.kvraft.raft.RaftCore;
import io.kvraft.raft.Role;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated server: a core (null while crashed) over simulated storage. Storage has a durable part (what a
 * restart finds) and a FIFO of writes issued but not yet durable, which a crash loses.
 */
final class SimNode {
  /** One Ready's worth of storage work, with the messages that may only leave once it is durable. */
  record Write(HardState hardState, List<Entry> entries, List<Message> afterPersist) {}

  final String id;
  final int index;
  final int tickPeriod;

  RaftCore core;
  /** Bumped at every crash so that events scheduled for an earlier incarnation are ignored. */
  int incarnation;

  HardState durableHardState = HardState.INITIAL;
  final ArrayList<Entry> durableLog = new ArrayList<>();
  /** Issued, not yet durable, in issue order. */
  final ArrayDeque<Write> pending = new ArrayDeque<>();
  /** Durable, but the core has not been told and the messages waiting on it are not sent yet. */
  final ArrayDeque<Write> durableUnacked = new ArrayDeque<>();
  long lastDiskTime;
  long lastAckTime;

  // ---- checker state for the current incarnation
  long lastApplied;
  long observedCommit;
  Role observedRole = Role.FOLLOWER;
  long observedTerm;
  /** The log as last checked, and its hash chain: chain[i-1] covers entries 1..i. */
  final ArrayList<Entry> seenLog = new ArrayList<>();
  long[] chain = new long[64];

  SimNode(String id, int index, int tickPeriod) {
    this.id = id;
    this.index = index;
    this.tickPeriod = tickPeriod;
  }

  boolean up() {
    return core != null;
  }

  /** Applies a durable write: the first entry's index says where the log is overwritten from. */
  void makeDurable(Write w) {
    if (w.hardState() != null) {
      durableHardState = w.hardState();
    }
    if (!w.entries().isEmpty()) {
      long from = w.entries().get(0).index();
      if (from < 1 || from > durableLog.size() + 1) {
        throw new IllegalStateException(
            id + ": write starting at " + from + " leaves a gap after durable last " + durableLog.size());
      }
      durableLog.subList((int) from - 1, durableLog.size()).clear();
      durableLog.addAll(w.entries());
    }
  }

  void resetVolatileChecks() {
    lastApplied = 0;
    observedCommit = 0;
    observedRole = Role.FOLLOWER;
    observedTerm = 0;
    seenLog.clear();
  }

  @Override
  public String toString() {
    return up() ? core.toString() : id + "{DOWN durableLast=" + durableLog.size() + " " + durableHardState + "}";
  }
}
