package io.kvraft.raft.sim;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.RaftCore;
import io.kvraft.raft.harness.Invariants;
import io.kvraft.raft.harness.ReadyDriver;
import io.kvraft.raft.harness.ReadyDriver.Write;
import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * One simulated server: a core (null while crashed) over simulated storage. Storage has a durable
 * part (what a restart finds) and a FIFO of writes issued but not yet durable, which a crash loses.
 */
final class SimNode extends Invariants.Node {
  final int index;
  final int tickPeriod;

  RaftCore core;

  /** Carries out the core's Ready batches; a new one per incarnation. */
  ReadyDriver driver;

  /** Bumped at every crash so that events scheduled for an earlier incarnation are ignored. */
  int incarnation;

  HardState durableHardState = HardState.INITIAL;

  /**
   * The durable snapshot: the log prefix it covers is in the state machine image, not in {@link
   * #durableLog}.
   */
  long durableSnapIndex;

  long durableSnapTerm;

  /** Durable entries after {@link #durableSnapIndex}. */
  final ArrayList<Entry> durableLog = new ArrayList<>();

  /** Issued, not yet durable, in issue order. */
  final ArrayDeque<Write> pending = new ArrayDeque<>();

  /** Durable, but the core has not been told and the messages waiting on it are not sent yet. */
  final ArrayDeque<Write> durableUnacked = new ArrayDeque<>();

  long lastDiskTime;
  long lastAckTime;

  SimNode(String id, int index, int tickPeriod) {
    super(id);
    this.index = index;
    this.tickPeriod = tickPeriod;
  }

  @Override
  public RaftCore core() {
    return core;
  }

  @Override
  protected boolean durablyHolds(long i, Entry e) {
    return i <= durableSnapIndex
        || (i <= durableLastIndex() && durableLog.get((int) (i - durableSnapIndex - 1)).equals(e));
  }

  /**
   * Applies a durable write: a snapshot installed from the leader is durable before the entries,
   * and it compacts the log; the first entry's index says where the log is overwritten from.
   */
  void makeDurable(Write w) {
    if (w.hardState() != null) {
      durableHardState = w.hardState();
    }
    if (w.snapshot() != null) {
      compactDurable(w.snapshot().index(), w.snapshot().term());
    }
    if (!w.entries().isEmpty()) {
      long from = w.entries().get(0).index();
      if (from <= durableSnapIndex || from > durableLastIndex() + 1) {
        throw new IllegalStateException(
            id
                + ": write starting at "
                + from
                + " does not fit durable log ("
                + durableSnapIndex
                + ", "
                + durableLastIndex()
                + "]");
      }
      durableLog.subList((int) (from - durableSnapIndex - 1), durableLog.size()).clear();
      durableLog.addAll(w.entries());
    }
  }

  long durableLastIndex() {
    return durableSnapIndex + durableLog.size();
  }

  /**
   * Raft §7 on disk: keep the entries after the snapshot if the log agrees with it there, else drop
   * them all.
   */
  void compactDurable(long index, long term) {
    if (index <= durableSnapIndex) {
      return;
    }
    boolean keepSuffix =
        index <= durableLastIndex()
            && durableLog.get((int) (index - durableSnapIndex - 1)).term() == term;
    durableLog
        .subList(0, keepSuffix ? (int) (index - durableSnapIndex) : durableLog.size())
        .clear();
    durableSnapIndex = index;
    durableSnapTerm = term;
  }

  @Override
  public String toString() {
    return up()
        ? core.toString()
        : id
            + "{DOWN durableSnap="
            + durableSnapIndex
            + " durableLast="
            + durableLastIndex()
            + " "
            + durableHardState
            + "}";
  }
}
