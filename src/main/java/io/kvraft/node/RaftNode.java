package io.kvraft.node;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.Message;
import io.kvraft.raft.PersistentState;
import io.kvraft.raft.ProposeResult;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.RaftCore;
import io.kvraft.raft.ReadState;
import io.kvraft.raft.Ready;
import io.kvraft.raft.Role;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.raft.log.RecoveredState;
import io.kvraft.transport.Transport;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link RaftCore}: a single event-loop thread owns the core and everything mutable here; ticks, inbound
 * messages, proposals, reads and storage completions reach it as events. Storage runs on its own thread so the
 * loop keeps answering heartbeats while an fsync is in flight; every write queued meanwhile shares the next fsync
 * (group commit). Messages that acknowledge state are sent only once that state is durable.
 */
public final class RaftNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

  private final RaftCore core;
  private final RaftStorage storage;
  private final Transport transport;
  private final Applier applier;
  private final Duration tickInterval;

  private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
  private final StorageWriter writer;
  private final Thread loopThread;
  private final ScheduledExecutorService ticker;
  private volatile boolean running;
  private volatile NodeStatus status;
  private volatile String failure;
  private volatile NodeMetrics metrics = NodeMetrics.NONE;
  private long loopIterations;

  // Owned by the loop thread.
  private final ArrayDeque<PendingWrite> writesInFlight = new ArrayDeque<>();
  private final Map<Long, PendingProposal> proposals = new HashMap<>();
  private List<CompletableFuture<Long>> readBatch = new ArrayList<>();
  private final Map<Long, List<CompletableFuture<Long>>> readsAwaitingIndex = new HashMap<>();
  private final TreeMap<Long, List<CompletableFuture<Long>>> readsAwaitingApply = new TreeMap<>();
  private long nextReadId;
  private long lastApplied;

  private record PendingProposal(long term, CompletableFuture<Object> future) {}

  /** A batch handed to storage; {@code afterPersist} holds messages that may leave once it is durable. */
  static final class PendingWrite {
    final HardState hardState;
    final List<Entry> entries;
    final List<Message> afterPersist = new ArrayList<>();

    PendingWrite(HardState hardState, List<Entry> entries) {
      this.hardState = hardState;
      this.entries = entries;
    }
  }

  public RaftNode(
      String id,
      List<String> members,
      RaftConfig config,
      Duration tickInterval,
      RaftStorage storage,
      Transport transport,
      Applier applier,
      Random random)
      throws java.io.IOException {
    this.storage = storage;
    this.transport = transport;
    this.applier = applier;
    this.tickInterval = tickInterval;
    RecoveredState rec = storage.recover();
    this.core =
        new RaftCore(
            id,
            members,
            config,
            random,
            new PersistentState(rec.hardState(), rec.entries(), rec.snapshotIndex(), rec.snapshotTerm()));
    this.lastApplied = rec.snapshotIndex();
    this.writer =
        new StorageWriter(storage, this::onWritesDurable, this::onStorageFailure, id, () -> metrics);
    this.loopThread = new Thread(this::runLoop, "raft-loop-" + id);
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "raft-tick-" + id);
              t.setDaemon(true);
              return t;
            });
    publishStatus();
  }

  /** Reports to {@code metrics} from now on; call before {@link #start()}. */
  public void setMetrics(NodeMetrics metrics) {
    this.metrics = metrics == null ? NodeMetrics.NONE : metrics;
  }

  public void start() {
    running = true;
    writer.start();
    loopThread.start();
    if (core.members().size() == 1) {
      // Alone in the cluster: nobody to wait for, so serve at once instead of after an election timeout.
      events.add(core::campaignNow);
    }
    long micros = tickInterval.toNanos() / 1000;
    ticker.scheduleAtFixedRate(() -> events.add(this::onTick), micros, micros, TimeUnit.MICROSECONDS);
  }

  // ---------------------------------------------------------------- API for any thread

  public void receive(List<Message> messages) {
    if (!running || failure != null) {
      return;
    }
    events.add(() -> messages.forEach(core::step));
  }

  /**
   * Proposes a command. Completes with the applier's result once the entry is applied here, with {@link
   * NotLeaderException} when this node is not the leader, or {@link UnavailableException} when the entry was
   * overwritten by another leader's. The caller bounds the wait.
   */
  public CompletableFuture<Object> propose(byte[] command) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    if (!post(() -> doPropose(command, f))) {
      f.completeExceptionally(unavailable());
    }
    return f;
  }

  /**
   * A linearizable read point: completes with a read index once this node has applied it, so the caller may read
   * its local state machine. Reads arriving together share one ReadIndex round.
   */
  public CompletableFuture<Long> readBarrier() {
    CompletableFuture<Long> f = new CompletableFuture<>();
    if (!post(() -> readBatch.add(f))) {
      f.completeExceptionally(unavailable());
    }
    return f;
  }

  public NodeStatus status() {
    return status;
  }

  public String id() {
    return core.id();
  }

  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    ticker.shutdownNow();
    loopThread.interrupt();
    try {
      loopThread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writer.stop();
    transport.close();
    try {
      storage.close();
    } catch (Exception e) {
      LOG.warn("closing storage", e);
    }
    failEverything(new UnavailableException("node " + core.id() + " shut down"));
    publishStatus();
  }

  /**
   * Stops this node abruptly, as a crash would: no more messages, no more writes, nothing flushed. Tests use it to
   * simulate kill -9; what the storage has made durable is all that survives.
   */
  public void crash() {
    running = false;
    ticker.shutdownNow();
    loopThread.interrupt();
    writer.stop();
    transport.close();
    try {
      loopThread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      storage.close();
    } catch (Exception e) {
      LOG.debug("closing storage after crash", e);
    }
  }

  private boolean post(Runnable event) {
    if (!running || failure != null) {
      return false;
    }
    events.add(event);
    return true;
  }

  private UnavailableException unavailable() {
    return new UnavailableException(
        failure != null ? "node failed: " + failure : "node " + core.id() + " is not running");
  }

  // ---------------------------------------------------------------- event loop

  private void runLoop() {
    List<Runnable> batch = new ArrayList<>();
    while (running) {
      try {
        Runnable first = events.poll(tickInterval.toMillis() * 2, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        first.run();
        events.drainTo(batch, 4096);
        for (Runnable r : batch) {
          r.run();
        }
        batch.clear();
        if (failure == null) {
          flushReadBatch();
          processReady();
        }
        loopIterations++;
        publishStatus();
      } catch (InterruptedException e) {
        if (!running) {
          break;
        }
      } catch (RuntimeException e) {
        // A bug here would otherwise kill the loop silently and leave a zombie node answering nothing.
        LOG.error("raft event loop of {} failed", core.id(), e);
        onStorageFailure(e);
      }
    }
  }

  private void onTick() {
    if (failure != null) {
      // A failed node takes part in nothing: stepping the core would only pile up output nobody carries out.
      return;
    }
    core.tick();
    if (loopIterations % 64 == 0) {
      dropAbandonedWaiters();
    }
  }

  private void doPropose(byte[] command, CompletableFuture<Object> f) {
    ProposeResult r = core.propose(command);
    if (r instanceof ProposeResult.Accepted a) {
      proposals.put(a.index(), new PendingProposal(a.term(), f));
      metrics.proposalAccepted();
    } else {
      f.completeExceptionally(new NotLeaderException(((ProposeResult.NotLeader) r).leaderHint()));
    }
  }

  private void flushReadBatch() {
    if (readBatch.isEmpty()) {
      return;
    }
    long id = ++nextReadId;
    readsAwaitingIndex.put(id, readBatch);
    readBatch = new ArrayList<>();
    core.requestRead(id);
    metrics.readIndexRound();
  }

  private void processReady() {
    while (core.hasReady()) {
      Ready rd = core.ready();
      rd.messages().forEach(transport::send);
      if (rd.mustPersist()) {
        PendingWrite w = new PendingWrite(rd.hardState(), rd.entries());
        w.afterPersist.addAll(rd.messagesAfterPersist());
        writesInFlight.addLast(w);
        writer.submit(w);
      } else if (!rd.messagesAfterPersist().isEmpty()) {
        if (writesInFlight.isEmpty()) {
          rd.messagesAfterPersist().forEach(transport::send);
        } else {
          // Writes complete in order, so once the newest one is durable everything these messages confirm is too.
          writesInFlight.peekLast().afterPersist.addAll(rd.messagesAfterPersist());
        }
      }
      apply(rd.committed());
      for (ReadState rs : rd.readStates()) {
        onReadState(rs);
      }
      if (!rd.snapshotNeeded().isEmpty()) {
        LOG.warn("peers {} need a snapshot, which this version cannot send yet", rd.snapshotNeeded());
      }
    }
  }

  /** Called on the storage thread; hops to the loop to keep all state single-threaded. */
  private void onWritesDurable(List<PendingWrite> done) {
    events.add(
        () -> {
          for (PendingWrite w : done) {
            PendingWrite head = writesInFlight.pollFirst();
            if (head != w) {
              throw new IllegalStateException("storage completed writes out of order");
            }
            if (!w.entries.isEmpty()) {
              Entry last = w.entries.get(w.entries.size() - 1);
              core.persisted(last.index(), last.term());
            }
            w.afterPersist.forEach(transport::send);
          }
        });
  }

  private void onStorageFailure(Throwable t) {
    if (failure != null) {
      return;
    }
    failure = t.getClass().getSimpleName() + ": " + t.getMessage();
    LOG.error(
        "node {} stops serving: storage failed ({}). Nothing unpersisted was acknowledged; fix the disk and"
            + " restart the node.",
        core.id(),
        failure,
        t);
    events.add(() -> failEverything(new UnavailableException("node failed: " + failure)));
  }

  private void apply(List<Entry> committed) {
    if (committed.isEmpty()) {
      return;
    }
    for (Entry e : committed) {
      Object result = applier.apply(e);
      lastApplied = e.index();
      PendingProposal p = proposals.remove(e.index());
      if (p != null) {
        if (p.term == e.term()) {
          p.future.complete(result);
        } else {
          p.future.completeExceptionally(
              new UnavailableException("leadership changed before the request committed"));
        }
      }
    }
    while (!readsAwaitingApply.isEmpty() && readsAwaitingApply.firstKey() <= lastApplied) {
      Map.Entry<Long, List<CompletableFuture<Long>>> ready = readsAwaitingApply.pollFirstEntry();
      ready.getValue().forEach(f -> f.complete(ready.getKey()));
    }
  }

  private void onReadState(ReadState rs) {
    List<CompletableFuture<Long>> waiting = readsAwaitingIndex.remove(rs.requestId());
    if (waiting == null) {
      return;
    }
    if (!rs.ok()) {
      NotLeaderException e = new NotLeaderException(core.leader() == null || core.role() == Role.LEADER ? null : core.leader());
      waiting.forEach(f -> f.completeExceptionally(e));
    } else if (rs.readIndex() <= lastApplied) {
      waiting.forEach(f -> f.complete(rs.readIndex()));
    } else {
      readsAwaitingApply.computeIfAbsent(rs.readIndex(), k -> new ArrayList<>()).addAll(waiting);
    }
  }

  /** Forgets waiters whose caller gave up (timed out), so a partitioned node does not accumulate them. */
  private void dropAbandonedWaiters() {
    proposals.values().removeIf(p -> p.future.isDone());
    for (Iterator<List<CompletableFuture<Long>>> it = readsAwaitingIndex.values().iterator(); it.hasNext(); ) {
      if (it.next().stream().allMatch(CompletableFuture::isDone)) {
        it.remove();
      }
    }
  }

  private void failEverything(RuntimeException e) {
    proposals.values().forEach(p -> p.future.completeExceptionally(e));
    proposals.clear();
    readBatch.forEach(f -> f.completeExceptionally(e));
    readBatch.clear();
    readsAwaitingIndex.values().forEach(l -> l.forEach(f -> f.completeExceptionally(e)));
    readsAwaitingIndex.clear();
    readsAwaitingApply.values().forEach(l -> l.forEach(f -> f.completeExceptionally(e)));
    readsAwaitingApply.clear();
  }

  private void publishStatus() {
    NodeStatus before = status;
    NodeStatus now =
        new NodeStatus(
            core.id(),
            core.role(),
            core.term(),
            core.leader(),
            core.commitIndex(),
            lastApplied,
            core.lastIndex(),
            failure == null,
            failure,
            loopIterations);
    status = now;
    if (before != null) {
      // A term this node raised itself (it campaigns or already won); one loop iteration may cover a whole
      // single-node election, so roles seen in between are not enough.
      if (now.term() > before.term() && (now.role() == Role.CANDIDATE || now.role() == Role.LEADER)) {
        metrics.electionStarted();
      }
      if (now.leader() != null && !now.leader().equals(before.leader())) {
        metrics.leaderChanged(now.leader());
      }
    }
  }
}
