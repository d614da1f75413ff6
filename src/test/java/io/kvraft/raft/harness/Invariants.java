package io.kvraft.raft.harness;

import io.kvraft.raft.Entry;
import io.kvraft.raft.RaftCore;
import io.kvraft.raft.ReadState;
import io.kvraft.raft.Role;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Raft safety properties (paper Figure 3), checked against ghost state that survives crashes.
 * Each check is incremental so it can run after every event: a harness calls {@link #afterEvent}
 * for each node the event touched, {@link #checkCommit} then {@link #onApply} for what a node
 * applies, and {@link #onReadRequested}/{@link #onReadState} around reads. Both the seeded
 * simulator ({@code raft.sim}) and the scripted scenarios ({@code raft.scenario}) check through
 * this one class.
 */
public final class Invariants {
  /**
   * What the checker needs of a harness's node: its core (null while crashed), whether its durable
   * state holds an entry, and the checker's own state for the node's current incarnation (reset by
   * {@link #resetChecks}).
   */
  public abstract static class Node {
    public final String id;
    long lastApplied;
    long observedCommit;
    Role observedRole = Role.FOLLOWER;
    long observedTerm;

    /**
     * Entries were removed or replaced since the election checks last ran: a leader's log must be
     * checked for completeness again.
     */
    boolean logRewritten;

    /**
     * The log as last checked, from index seenBase + 1 on, and its hash chain: chain[j] covers
     * entries 1..seenBase+1+j; chainBase covers 1..seenBase (the prefix a snapshot replaced).
     */
    final ArrayList<Entry> seenLog = new ArrayList<>();

    long seenBase;
    long chainBase;
    long[] chain = new long[64];

    protected Node(String id) {
      this.id = id;
    }

    /** The running core, or null while the node is down. */
    public abstract RaftCore core();

    /**
     * Whether what survives a crash of this node holds entry {@code e} at {@code index} (or a
     * snapshot past it).
     */
    protected abstract boolean durablyHolds(long index, Entry e);

    public final boolean up() {
      return core() != null;
    }

    /** The last index this incarnation's state machine applied (or loaded from a snapshot). */
    public long lastApplied() {
      return lastApplied;
    }

    /**
     * After a restart: the state machine holds the snapshot at {@code snapIndex}, the checked log
     * starts over.
     */
    public void resetChecks(long snapIndex, long chainAtSnapshot) {
      lastApplied = snapIndex;
      observedCommit = snapIndex;
      observedRole = Role.FOLLOWER;
      observedTerm = 0;
      logRewritten = false;
      seenLog.clear();
      seenBase = snapIndex;
      chainBase = chainAtSnapshot;
    }
  }

  private final List<? extends Node> nodes;
  private final int quorum;

  /** Election safety: the one leader of each term, over the whole run. */
  private final Map<Long, String> leaderOfTerm = new HashMap<>();

  /**
   * Log matching: (index, term) -> hash chain of the log prefix ending in that entry, as first seen
   * anywhere.
   */
  private final Map<Long, Long> chainOf = new HashMap<>();

  /**
   * committed.get(i-1): the entry a leader committed at index i; commitTerm: lowest term of a
   * leader that did.
   */
  private final ArrayList<Entry> committed = new ArrayList<>();

  private long[] commitTerm = new long[64];

  /**
   * State machine safety: applied.get(i-1) is the entry the first node to apply index i applied.
   */
  private final ArrayList<Entry> applied = new ArrayList<>();

  /** Highest index committed when each read was requested (read id -> bound). */
  private final Map<Long, Long> readBound = new HashMap<>();

  public Invariants(List<? extends Node> nodes) {
    this.nodes = nodes;
    this.quorum = nodes.size() / 2 + 1;
  }

  public long highestCommitted() {
    return committed.size();
  }

  public Entry appliedAt(long index) {
    return index <= applied.size() ? applied.get((int) index - 1) : null;
  }

  /** The terms that had a leader so far. */
  public Set<Long> termsWithLeader() {
    return Collections.unmodifiableSet(leaderOfTerm.keySet());
  }

  public void afterEvent(Node n) {
    if (!n.up()) {
      return;
    }
    RaftCore c = n.core();
    if (c.appliedIndex() > c.commitIndex()
        || c.commitIndex() > c.lastIndex()
        || c.stableIndex() > c.lastIndex()) {
      throw new Violation("core invariant", n + " applied=" + c.appliedIndex());
    }
    checkLogMatching(n);
    checkElection(n);
    checkCommit(n);
  }

  private void checkElection(Node n) {
    RaftCore c = n.core();
    boolean logChanged = n.logRewritten;
    n.logRewritten = false;
    if (c.role() == Role.LEADER) {
      String prev = leaderOfTerm.putIfAbsent(c.term(), n.id);
      if (prev != null && !prev.equals(n.id)) {
        throw new Violation(
            "election safety", "term " + c.term() + " has leaders " + prev + " and " + n.id);
      }
      boolean newlyLeader = n.observedRole != Role.LEADER || n.observedTerm != c.term();
      if (newlyLeader || logChanged) {
        for (int i = 1; i <= committed.size(); i++) {
          if (commitTerm[i - 1] < c.term()) {
            requireHas(n, i, committed.get(i - 1), commitTerm[i - 1]);
          }
        }
      }
    }
    n.observedRole = c.role();
    n.observedTerm = c.term();
  }

  /**
   * Leader completeness: an entry committed in term T is in the log of every leader of a term above
   * T.
   */
  private void requireHas(Node leader, long index, Entry e, long inTerm) {
    RaftCore c = leader.core();
    if (index <= c.snapshotIndex()) {
      return; // in its snapshot, a prefix of what was applied, which onApply checked against the
      // commits
    }
    if (c.lastIndex() < index || !c.entryAt(index).equals(e)) {
      throw new Violation(
          "leader completeness",
          leader.id
              + " leads term "
              + c.term()
              + " without "
              + e
              + " committed in term "
              + inTerm
              + "; has "
              + (c.lastIndex() < index ? "nothing" : c.entryAt(index))
              + " there");
    }
  }

  /**
   * Incremental log matching: the core's log only changes at its tail, so walk back from the end to
   * the last entry unchanged since the previous check, then hash-chain the new suffix. Two logs
   * holding the same (index, term) must reach it with the same chain, i.e. identical prefixes. A
   * compacted prefix is represented by the chain value at the snapshot index: the node's own if it
   * saw that entry, otherwise the one recorded for that (index, term) when some node held it. Notes
   * in the node whether anything was removed or replaced.
   */
  private void checkLogMatching(Node n) {
    RaftCore c = n.core();
    long base = c.snapshotIndex();
    if (base > n.seenBase) {
      rebase(n, base, c.termAt(base));
    }
    long last = c.lastIndex();
    long seenEnd = n.seenBase + n.seenLog.size();
    long keep = Math.min(last, seenEnd);
    while (keep > n.seenBase && n.seenLog.get((int) (keep - n.seenBase - 1)) != c.entryAt(keep)) {
      keep--;
    }
    boolean removed = keep < seenEnd;
    n.seenLog.subList((int) (keep - n.seenBase), n.seenLog.size()).clear();
    int need = (int) (last - n.seenBase);
    if (n.chain.length < need) {
      n.chain = Arrays.copyOf(n.chain, Math.max(need, n.chain.length * 2));
    }
    for (long i = keep + 1; i <= last; i++) {
      Entry e = c.entryAt(i);
      if (e.index() != i) {
        throw new Violation("log matching", n.id + " holds " + e + " at index " + i);
      }
      int j = (int) (i - n.seenBase - 1);
      long h = mix((j == 0 ? n.chainBase : n.chain[j - 1]) ^ hash(e));
      n.chain[j] = h;
      n.seenLog.add(e);
      Long prior = chainOf.putIfAbsent((i << 24) ^ e.term(), h);
      if (prior != null && prior != h) {
        throw new Violation(
            "log matching",
            n.id
                + " holds "
                + e
                + " after a prefix different from another node's "
                + e.index()
                + "@"
                + e.term());
      }
    }
    n.logRewritten |= removed;
  }

  /**
   * The node's log now starts after {@code base}: forget what was seen below it, keeping the chain
   * value at it.
   */
  private void rebase(Node n, long base, long baseTerm) {
    long seenEnd = n.seenBase + n.seenLog.size();
    int drop = (int) (Math.min(base, seenEnd) - n.seenBase);
    boolean seen =
        base <= seenEnd && n.seenLog.get((int) (base - n.seenBase - 1)).term() == baseTerm;
    n.chainBase = seen ? n.chain[(int) (base - n.seenBase - 1)] : chainAt(n, base, baseTerm);
    if (!seen) {
      drop = n.seenLog.size();
    }
    n.seenLog.subList(0, drop).clear();
    System.arraycopy(n.chain, drop, n.chain, 0, n.seenLog.size());
    n.seenBase = base;
  }

  /**
   * The hash chain of the log prefix ending at (index, term), as first seen on any node; 0 for
   * index 0.
   */
  public long chainAt(Node n, long index, long term) {
    if (index == 0) {
      return 0x9E3779B97F4A7C15L;
    }
    Long h = chainOf.get((index << 24) ^ term);
    if (h == null) {
      throw new Violation(
          "snapshot", n.id + " holds a snapshot at " + index + "@" + term + " no log ever had");
    }
    return h;
  }

  /**
   * A snapshot is the applied prefix of some node: its last entry must be the committed one, and a
   * node loading it moves its state machine forward, never back.
   */
  public void onSnapshotLoaded(Node n, long index, long term) {
    if (index > committed.size() || committed.get((int) index - 1).term() != term) {
      throw new Violation(
          "snapshot",
          n.id + " loads a snapshot at " + index + "@" + term + " that is not committed");
    }
    if (index > applied.size()) {
      throw new Violation(
          "snapshot", n.id + " loads a snapshot at " + index + " beyond anything applied");
    }
    if (index <= n.lastApplied) {
      // The state machine would go back to an older state: what it applied after the snapshot is
      // lost on this node, so it no longer holds the state every other replica reached.
      throw new Violation(
          "state machine safety",
          n.id + " loads a snapshot at " + index + " after applying " + n.lastApplied);
    }
    n.lastApplied = index;
  }

  public void checkCommit(Node n) {
    // A log that breaks log matching is reported as such, not by the commit it would lead to: a
    // harness calls this mid-event, before afterEvent.
    checkLogMatching(n);
    RaftCore c = n.core();
    long commit = c.commitIndex();
    // Entries a snapshot covers were checked when the snapshot was taken or loaded.
    for (long i = Math.max(n.observedCommit, c.snapshotIndex()) + 1; i <= commit; i++) {
      Entry e = c.entryAt(i);
      if (c.role() == Role.LEADER) {
        recordCommit(i, e, c.term());
      } else if (i > committed.size() || !committed.get((int) i - 1).equals(e)) {
        throw new Violation(
            "state machine safety",
            n.id
                + " (not leader) commits "
                + e
                + " but a leader committed "
                + (i > committed.size() ? "nothing" : committed.get((int) i - 1))
                + " there");
      }
    }
    n.observedCommit = Math.max(n.observedCommit, commit);
  }

  private void recordCommit(long index, Entry e, long term) {
    if (index <= committed.size()) {
      Entry prior = committed.get((int) index - 1);
      if (!prior.equals(e)) {
        throw new Violation(
            "state machine safety", "index " + index + " committed as " + prior + " and as " + e);
      }
      commitTerm[(int) index - 1] = Math.min(commitTerm[(int) index - 1], term);
      return;
    }
    if (index != committed.size() + 1) {
      throw new Violation(
          "commit order", "commit of " + index + " skips " + (committed.size() + 1));
    }
    committed.add(e);
    if (commitTerm.length < committed.size()) {
      commitTerm = Arrays.copyOf(commitTerm, commitTerm.length * 2);
    }
    commitTerm[(int) index - 1] = term;
    for (Node other : nodes) {
      if (other.up() && other.core().role() == Role.LEADER && other.core().term() > term) {
        requireHas(other, index, e, term);
      }
    }
  }

  /**
   * State machine safety: every node applies the same entry at an index, each incarnation from 1
   * upwards by 1.
   */
  public void onApply(Node n, Entry e) {
    if (e.index() != n.lastApplied + 1) {
      throw new Violation(
          "state machine safety", n.id + " applies " + e + " after " + n.lastApplied);
    }
    n.lastApplied = e.index();
    if (e.index() > committed.size() || !committed.get((int) e.index() - 1).equals(e)) {
      throw new Violation(
          "state machine safety", n.id + " applies " + e + " that no leader committed there");
    }
    if (e.index() <= applied.size()) {
      Entry prior = applied.get((int) e.index() - 1);
      if (!prior.equals(e)) {
        throw new Violation(
            "state machine safety", n.id + " applies " + e + " where another applied " + prior);
      }
    } else {
      applied.add(e);
    }
  }

  public void onReadRequested(long readId) {
    readBound.put(readId, (long) committed.size());
  }

  /**
   * A read point must cover everything committed before the read was asked for (linearizability).
   */
  public void onReadState(Node n, ReadState rs) {
    Long bound = readBound.get(rs.requestId());
    if (bound == null) {
      throw new Violation("read index", n.id + " answers unknown read " + rs);
    }
    if (rs.ok() && rs.readIndex() < bound) {
      throw new Violation(
          "linearizable read",
          n.id
              + " read "
              + rs.requestId()
              + " at index "
              + rs.readIndex()
              + " but "
              + bound
              + " was committed before it was requested");
    }
  }

  /** No committed entry may be lost by crashes: a majority of durable logs holds each one. */
  public void checkDurableMajority() {
    for (int i = 1; i <= committed.size(); i++) {
      Entry e = committed.get(i - 1);
      int holders = 0;
      for (Node n : nodes) {
        if (n.durablyHolds(i, e)) {
          holders++;
        }
      }
      if (holders < quorum) {
        throw new Violation(
            "durability", e + " is committed but durable on only " + holders + " nodes");
      }
    }
  }

  private static long hash(Entry e) {
    long h = e.term() * 0xC2B2AE3D27D4EB4FL + e.index() * 0x165667B19E3779F9L + e.type().ordinal();
    for (byte b : e.data()) {
      h = (h ^ b) * 0x100000001B3L;
    }
    return h;
  }

  public static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
