package io.kvraft.node;

import io.kvraft.raft.Entry;
import io.kvraft.raft.RaftCore;
import io.kvraft.raft.ReadState;
import io.kvraft.raft.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The callers a {@link RaftNode} owes an answer: proposals until their entry is applied,
 * linearizable reads until their read index is applied (batched so that reads arriving together
 * share one ReadIndex round), and the {@link BackPressure} budgets that bound how many of each it
 * holds.
 *
 * <p>The budgets are taken by callers on their own threads ({@link PendingBudget} is thread-safe);
 * everything else here belongs to the node's event loop and is called only from it.
 */
final class PendingRequests {
  private final RaftCore core;
  private final Supplier<NodeMetrics> metrics;

  private volatile BackPressure backPressure = BackPressure.DEFAULTS;

  /**
   * Proposals taken by {@link RaftNode#propose} until applied or failed, whether or not their
   * caller still waits.
   */
  private volatile PendingBudget proposalBudget =
      budgetFor(
          BackPressure.DEFAULTS.maxPendingProposals(), BackPressure.DEFAULTS.maxPendingBytes());

  /**
   * Linearizable reads taken by {@link RaftNode#readBarrier} until answered or given up on by their
   * caller.
   */
  private volatile PendingBudget readBudget =
      budgetFor(BackPressure.DEFAULTS.maxPendingReads(), Long.MAX_VALUE);

  // Owned by the loop thread.
  private final Map<Long, PendingProposal> proposals = new HashMap<>();
  private List<CompletableFuture<Long>> readBatch = new ArrayList<>();
  private final Map<Long, List<CompletableFuture<Long>>> readsAwaitingIndex = new HashMap<>();
  private final TreeMap<Long, List<CompletableFuture<Long>>> readsAwaitingApply = new TreeMap<>();
  private long nextReadId;

  private record PendingProposal(long term, CompletableFuture<Object> future, int bytes) {}

  PendingRequests(RaftCore core, Supplier<NodeMetrics> metrics) {
    this.core = core;
    this.metrics = metrics;
  }

  /**
   * Replaces the bounds; only before the node starts, since a proposal in flight holds on to the
   * budget it took.
   */
  void setBackPressure(BackPressure limits) {
    this.backPressure = limits;
    this.proposalBudget = budgetFor(limits.maxPendingProposals(), limits.maxPendingBytes());
    this.readBudget = budgetFor(limits.maxPendingReads(), Long.MAX_VALUE);
  }

  private static PendingBudget budgetFor(long count, long bytes) {
    return new PendingBudget(count, bytes);
  }

  BackPressure backPressure() {
    return backPressure;
  }

  PendingBudget proposalBudget() {
    return proposalBudget;
  }

  PendingBudget readBudget() {
    return readBudget;
  }

  /** Proposals accepted and not yet applied or failed, and the bytes of their commands. */
  long[] pendingProposals() {
    return new long[] {proposalBudget.count(), proposalBudget.bytes()};
  }

  // ---------------------------------------------------------------- loop thread only (or once it
  // stopped: close)

  /**
   * The core took the proposal at {@code index}: {@code f} completes once that index is applied.
   */
  void proposalAccepted(long index, long term, CompletableFuture<Object> f, int bytes) {
    PendingProposal replaced = proposals.put(index, new PendingProposal(term, f, bytes));
    if (replaced != null) {
      // This node's own entry from an earlier term at the index was overwritten while it followed.
      released(replaced);
      replaced.future.completeExceptionally(
          new UnavailableException("leadership changed before the request committed"));
    }
  }

  /** The proposal left {@link #proposals}: its slot and bytes are free for another. */
  private void released(PendingProposal p) {
    proposalBudget.giveBack(p.bytes);
  }

  void addRead(CompletableFuture<Long> f) {
    readBatch.add(f);
  }

  /** Starts one ReadIndex round for every read that arrived since the last one. */
  void flushReadBatch() {
    if (readBatch.isEmpty()) {
      return;
    }
    long id = ++nextReadId;
    readsAwaitingIndex.put(id, readBatch);
    readBatch = new ArrayList<>();
    core.requestRead(id);
    metrics.get().readIndexRound();
  }

  /**
   * {@code e} was applied with {@code result}: answers the proposal waiting for its index, if any.
   */
  void applied(Entry e, Object result) {
    PendingProposal p = proposals.remove(e.index());
    if (p != null) {
      released(p);
      if (p.term == e.term()) {
        p.future.complete(result);
      } else {
        p.future.completeExceptionally(
            new UnavailableException("leadership changed before the request committed"));
      }
    }
  }

  void completeReadsUpTo(long lastApplied) {
    while (!readsAwaitingApply.isEmpty() && readsAwaitingApply.firstKey() <= lastApplied) {
      Map.Entry<Long, List<CompletableFuture<Long>>> ready = readsAwaitingApply.pollFirstEntry();
      ready.getValue().forEach(f -> f.complete(ready.getKey()));
    }
  }

  void onReadState(ReadState rs, long lastApplied) {
    List<CompletableFuture<Long>> waiting = readsAwaitingIndex.remove(rs.requestId());
    if (waiting == null) {
      return;
    }
    if (!rs.ok()) {
      NotLeaderException e =
          new NotLeaderException(
              core.leader() == null || core.role() == Role.LEADER ? null : core.leader());
      waiting.forEach(f -> f.completeExceptionally(e));
    } else if (rs.readIndex() <= lastApplied) {
      waiting.forEach(f -> f.complete(rs.readIndex()));
    } else {
      readsAwaitingApply.computeIfAbsent(rs.readIndex(), k -> new ArrayList<>()).addAll(waiting);
    }
  }

  /**
   * A snapshot from the leader replaced the state machine up to {@code index}, which is now the
   * applied index.
   */
  void snapshotInstalled(long index) {
    // Entries up to the snapshot will never be applied here one by one: their proposers cannot
    // learn the outcome.
    proposals
        .entrySet()
        .removeIf(
            e -> {
              if (e.getKey() <= index) {
                released(e.getValue());
                e.getValue()
                    .future
                    .completeExceptionally(
                        new UnavailableException(
                            "replaced by a snapshot from the leader; the outcome is unknown"));
                return true;
              }
              return false;
            });
    completeReadsUpTo(index);
  }

  /**
   * Forgets waiters whose caller gave up (timed out), so a partitioned node does not accumulate
   * them. A leader keeps its abandoned proposals: their entries are still in its log, so they keep
   * counting against {@link BackPressure} until applied (a leader that cannot commit them steps
   * down by CheckQuorum, and then they are dropped).
   */
  void dropAbandonedWaiters() {
    if (core.role() != Role.LEADER) {
      proposals
          .values()
          .removeIf(
              p -> {
                if (p.future.isDone()) {
                  released(p);
                  return true;
                }
                return false;
              });
    }
    for (Iterator<List<CompletableFuture<Long>>> it = readsAwaitingIndex.values().iterator();
        it.hasNext(); ) {
      if (it.next().stream().allMatch(CompletableFuture::isDone)) {
        it.remove();
      }
    }
  }

  /** Fails every waiter with {@code e} (the node failed or shut down). */
  void failAll(RuntimeException e) {
    proposals
        .values()
        .forEach(
            p -> {
              released(p);
              p.future.completeExceptionally(e);
            });
    proposals.clear();
    readBatch.forEach(f -> f.completeExceptionally(e));
    readBatch.clear();
    readsAwaitingIndex.values().forEach(l -> l.forEach(f -> f.completeExceptionally(e)));
    readsAwaitingIndex.clear();
    readsAwaitingApply.values().forEach(l -> l.forEach(f -> f.completeExceptionally(e)));
    readsAwaitingApply.clear();
  }
}
