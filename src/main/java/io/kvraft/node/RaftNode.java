package io.kvraft.node;

import io.kvraft.raft.Configuration;
import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.Message;
import io.kvraft.raft.ProposeResult;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.RaftCore;
import io.kvraft.raft.ReadState;
import io.kvraft.raft.Ready;
import io.kvraft.raft.Role;
import io.kvraft.raft.SnapshotMeta;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.raft.log.SnapshotStore;
import io.kvraft.transport.SnapshotChunk;
import io.kvraft.transport.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link RaftCore}: a single event-loop thread owns the core and everything mutable here;
 * ticks, inbound messages, proposals, reads and storage completions reach it as events. Storage
 * runs on its own thread so the loop keeps answering heartbeats while an fsync is in flight; every
 * write queued meanwhile shares the next fsync (group commit). Messages that acknowledge state are
 * sent only once that state is durable.
 *
 * <p>With a {@link SnapshotStore} the node also snapshots: when enough log was applied (or enough
 * time passed) the state machine is captured on the loop (a reference copy, see {@link
 * Applier#capture}), written on a background thread, and then the core's log is compacted to it and
 * the stored log to the previous snapshot (so that either snapshot can restart the node). It
 * streams snapshots to followers the leader has no entries for, and installs the ones it receives
 * ({@link SnapshotReceiver}). At start it loads the newest valid snapshot and replays only the log
 * after it.
 *
 * <p>This class keeps the loop, the order in which a Ready is carried out (persist, send, apply)
 * and the public API. The rest lives in plain objects the loop calls, so the loop stays the one
 * owner of mutable state: {@link SnapshotRestore} (start-up), {@link Snapshotter} (taking,
 * installing and sending snapshots), {@link PendingRequests} (callers waiting for an answer, and
 * the budgets that bound them) and {@link StatusPublisher}.
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
  private volatile String failure;
  private volatile NodeMetrics metrics = NodeMetrics.NONE;

  /**
   * The member's bound on client data in memory: a proposal holds a reservation from {@link
   * #propose} until its entry is in the core's log, and from then on counts as part of the log's
   * bytes, which are counted here until compaction drops them; so are AppendEntries received and
   * not yet stepped.
   */
  private volatile MemoryBudget memory = new MemoryBudget(MemoryBudget.defaultBytes());

  /**
   * What the core's log holds in memory, as of the last loop iteration (read by {@link #memory}).
   */
  private volatile long logBytes;

  /**
   * Entry bytes of AppendEntries handed to {@link #receive} and not yet stepped (read by {@link
   * #memory}).
   */
  private final java.util.concurrent.atomic.AtomicLong inboundBytes =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Reservations of proposals now in the log, given back once {@link #logBytes} counts them.
   * Loop-owned.
   */
  private long reservedNowInLog;

  private long loopIterations;

  /** Null without a snapshot store; called on the threads chunks arrive on. */
  private final SnapshotReceiver receiver;

  private final StatusPublisher statusPublisher;

  // Owned by the loop thread (but the budgets in requests: see PendingRequests).
  private final ArrayDeque<PendingWrite> writesInFlight = new ArrayDeque<>();
  private long lastApplied;
  private final PendingRequests requests;
  private final Snapshotter snapshotter;

  /**
   * A batch handed to storage; {@code afterPersist} holds messages that may leave once it is
   * durable.
   */
  static final class PendingWrite {
    final HardState hardState;
    final List<Entry> entries;

    /**
     * Log prefix to drop (up to and including this entry) before the entries are appended; null for
     * none.
     */
    final SnapshotMeta compactTo;

    final List<Message> afterPersist = new ArrayList<>();

    /** Completed once this write is durable (an installed snapshot's last chunk waits on it). */
    final List<CompletableFuture<Boolean>> onDurable = new ArrayList<>();

    PendingWrite(HardState hardState, List<Entry> entries, SnapshotMeta compactTo) {
      this.hardState = hardState;
      this.entries = entries;
      this.compactTo = compactTo;
    }
  }

  public RaftNode(
      String id,
      Configuration configuration,
      RaftConfig config,
      Duration tickInterval,
      RaftStorage storage,
      Transport transport,
      Applier applier,
      Random random)
      throws java.io.IOException {
    this(id, configuration, config, tickInterval, storage, transport, applier, random, null, null);
  }

  /** A node that snapshots into {@code snapshots} as {@code policy} says (both null: never). */
  public RaftNode(
      String id,
      Configuration configuration,
      RaftConfig config,
      Duration tickInterval,
      RaftStorage storage,
      Transport transport,
      Applier applier,
      Random random,
      SnapshotStore snapshots,
      SnapshotPolicy policy)
      throws java.io.IOException {
    long createdNanos = System.nanoTime();
    this.storage = storage;
    this.transport = transport;
    this.applier = applier;
    this.tickInterval = tickInterval;
    SnapshotRestore.Restored restored =
        SnapshotRestore.restore(storage.recover(), snapshots, policy, applier, storage);
    this.core = new RaftCore(id, configuration, config, random, restored.state());
    countLogIn(memory);
    this.requests = new PendingRequests(core, () -> metrics);
    this.statusPublisher = new StatusPublisher(core, () -> metrics);
    this.lastApplied = restored.state().appliedIndex();
    this.receiver =
        snapshots == null
            ? null
            : new SnapshotReceiver(this, snapshots, applier, policy.baseTimeout().toMillis() * 10);
    SnapshotSender sender =
        snapshots == null
            ? null
            : new SnapshotSender(
                id,
                snapshots,
                policy,
                transport,
                () -> metrics,
                term -> running && status().role() == Role.LEADER && status().term() == term);
    this.writer =
        new StorageWriter(
            storage, this::onWritesDurable, this::onStorageFailure, id, () -> metrics);
    this.loopThread = new Thread(this::runLoop, "raft-loop-" + id);
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "raft-tick-" + id);
              t.setDaemon(true);
              return t;
            });
    this.snapshotter =
        new Snapshotter(
            core,
            snapshots,
            policy,
            applier,
            () -> metrics,
            restored,
            createdNanos,
            events::add,
            this::submit,
            () -> lastApplied,
            () -> failure != null,
            () -> running,
            sender,
            ticker);
    publishStatus();
  }

  /** Reports to {@code metrics} from now on; call before {@link #start()}. */
  public void setMetrics(NodeMetrics metrics) {
    this.metrics = metrics == null ? NodeMetrics.NONE : metrics;
  }

  /**
   * Bounds the work this node holds unfinished (defaults: {@link BackPressure#DEFAULTS}); call
   * before {@link #start()}.
   */
  public void setBackPressure(BackPressure limits) {
    requests.setBackPressure(limits);
  }

  /**
   * Counts client data this node holds against {@code budget} (default: its own, an eighth of the
   * heap).
   */
  public void setMemoryBudget(MemoryBudget budget) {
    this.memory = budget;
    countLogIn(budget);
  }

  public MemoryBudget memoryBudget() {
    return memory;
  }

  private void countLogIn(MemoryBudget budget) {
    budget.count(() -> logBytes + inboundBytes.get());
  }

  /**
   * Proposals accepted and not yet applied or failed, and the bytes of their commands (for gauges
   * and tests).
   */
  public long[] pendingProposals() {
    return requests.pendingProposals();
  }

  public void start() {
    running = true;
    writer.start();
    loopThread.start();
    if (core.configuration().members().size() == 1) {
      // Alone in the cluster: nobody to wait for, so serve at once instead of after an election
      // timeout.
      events.add(core::campaignNow);
    }
    long micros = tickInterval.toNanos() / 1000;
    ticker.scheduleAtFixedRate(
        () -> events.add(this::onTick), micros, micros, TimeUnit.MICROSECONDS);
  }

  // ---------------------------------------------------------------- API for any thread

  public void receive(List<Message> messages) {
    if (!running || failure != null) {
      return;
    }
    long bytes = entryBytes(messages);
    inboundBytes.addAndGet(bytes);
    events.add(
        () -> {
          inboundBytes.addAndGet(-bytes);
          messages.forEach(core::step);
        });
  }

  /**
   * Proposes a command. Completes with the applier's result once the entry is applied here, with
   * {@link NotLeaderException} when this node is not the leader, or {@link UnavailableException}
   * when the entry was overwritten by another leader's. The caller bounds the wait. Fails at once
   * with {@link OverloadedException}, before anything is queued, when the node already holds {@link
   * BackPressure} many unfinished proposals: a caller that gives up does not free its slot, since
   * its entry still occupies the log until it is applied.
   */
  public CompletableFuture<Object> propose(byte[] command) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    PendingBudget budget = requests.proposalBudget();
    if (!budget.tryTake(command.length)) {
      metrics.proposalRejected();
      BackPressure backPressure = requests.backPressure();
      f.completeExceptionally(
          new OverloadedException(
              "node "
                  + core.id()
                  + " already holds "
                  + backPressure.maxPendingProposals()
                  + " proposals or "
                  + backPressure.maxPendingBytes()
                  + " bytes of them unfinished; nothing was applied, retry shortly"));
      return f;
    }
    MemoryBudget mem = memory;
    // Alone: no other proposal of this node is unapplied, so whatever the log holds is kept for
    // followers only and goes at the next compaction, which needs entries applied: let it in, as
    // the pending bound does.
    if (!mem.tryReserve(command.length, budget.count() == 1)) {
      budget.giveBack(command.length);
      metrics.proposalRejected();
      f.completeExceptionally(
          new OverloadedException(
              "node " + core.id() + " " + mem.describe() + "; nothing was applied, retry shortly"));
      return f;
    }
    if (!post(() -> doPropose(command, f, budget, mem))) {
      budget.giveBack(command.length);
      mem.release(command.length);
      f.completeExceptionally(unavailable());
    }
    return f;
  }

  private static long entryBytes(List<Message> messages) {
    long n = 0;
    for (Message m : messages) {
      if (m instanceof Message.AppendRequest a) {
        for (Entry e : a.entries()) {
          n += e.sizeBytes();
        }
      }
    }
    return n;
  }

  /**
   * A linearizable read point: completes with a read index once this node has applied it, so the
   * caller may read its local state machine. Reads arriving together share one ReadIndex round.
   */
  public CompletableFuture<Long> readBarrier() {
    CompletableFuture<Long> f = new CompletableFuture<>();
    PendingBudget budget = requests.readBudget();
    if (!budget.tryTake(0)) {
      metrics.readRejected();
      f.completeExceptionally(
          new OverloadedException(
              "node "
                  + core.id()
                  + " already holds "
                  + requests.backPressure().maxPendingReads()
                  + " linearizable reads unanswered; retry shortly"));
      return f;
    }
    // Freed when answered or when the caller's timeout completes it: a read holds nothing but its
    // waiter, which dropAbandonedWaiters forgets soon after.
    f.whenComplete((v, e) -> budget.giveBack(0));
    if (!post(() -> requests.addRead(f))) {
      f.completeExceptionally(unavailable());
    }
    return f;
  }

  /**
   * A linearizable read of more than one value: {@code read} runs on the loop once the read index
   * is applied, between two applies, so it sees the state at one applied index. (Reading after
   * {@link #readBarrier} on the caller's thread would walk the state while entries are applied: a
   * listing could show a key created after another was deleted, and both.)
   */
  public <T> CompletableFuture<T> readAtOnePoint(Supplier<T> read) {
    return readBarrier()
        .thenCompose(
            index -> {
              CompletableFuture<T> r = new CompletableFuture<>();
              Runnable run =
                  () -> {
                    try {
                      r.complete(read.get());
                    } catch (RuntimeException e) {
                      r.completeExceptionally(e);
                    }
                  };
              if (Thread.currentThread() == loopThread) {
                run.run(); // the barrier completed on the loop: nothing applies meanwhile
              } else if (!post(run)) {
                r.completeExceptionally(unavailable());
              }
              return r;
            });
  }

  public NodeStatus status() {
    return statusPublisher.current();
  }

  /**
   * Snapshots written here and snapshots installed from a leader since start (for tests and
   * metrics).
   */
  public long[] snapshotCounts() {
    return snapshotter.counts();
  }

  /** The newest snapshot on disk, or null. */
  public SnapshotStore.Meta latestSnapshot() {
    return snapshotter.latest();
  }

  /**
   * Handles one InstallSnapshot chunk from a leader (any thread; blocks for the last chunk until
   * the install is durable). Throws when this node keeps no snapshots.
   */
  public SnapshotChunk.Reply receiveSnapshotChunk(SnapshotChunk chunk) throws IOException {
    if (receiver == null || !running || failure != null) {
      throw new IOException("node " + core.id() + " cannot take snapshots now");
    }
    return receiver.receive(chunk);
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
    snapshotter.shutdownNow();
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
   * Stops this node abruptly, as a crash would: no more messages, no more writes, nothing flushed.
   * Tests use it to simulate kill -9; what the storage has made durable is all that survives.
   */
  public void crash() {
    running = false;
    ticker.shutdownNow();
    loopThread.interrupt();
    writer.stop();
    snapshotter.shutdownNow();
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
          requests.flushReadBatch();
          processReady();
        }
        loopIterations++;
        publishStatus();
      } catch (InterruptedException e) {
        if (!running) {
          break;
        }
      } catch (RuntimeException e) {
        // A bug here would otherwise kill the loop silently and leave a zombie node answering
        // nothing.
        LOG.error("raft event loop of {} failed", core.id(), e);
        onStorageFailure(e);
      }
    }
  }

  private void onTick() {
    if (failure != null) {
      // A failed node takes part in nothing: stepping the core would only pile up output nobody
      // carries out.
      return;
    }
    core.tick();
    if (loopIterations % 64 == 0) {
      requests.dropAbandonedWaiters();
    }
  }

  private void doPropose(
      byte[] command, CompletableFuture<Object> f, PendingBudget budget, MemoryBudget mem) {
    if (budget != requests.proposalBudget() || mem != memory) {
      // Only setBackPressure before start replaces the budget; a proposal taken from the old one
      // cannot be here.
      throw new IllegalStateException("back-pressure changed while running");
    }
    ProposeResult r = core.propose(command);
    if (r instanceof ProposeResult.Accepted a) {
      requests.proposalAccepted(a.index(), a.term(), f, command.length);
      metrics.proposalAccepted();
      reservedNowInLog += command.length;
    } else {
      budget.giveBack(command.length);
      mem.release(command.length);
      f.completeExceptionally(new NotLeaderException(((ProposeResult.NotLeader) r).leaderHint()));
    }
  }

  private void processReady() {
    while (core.hasReady()) {
      Ready rd = core.ready();
      rd.messages().forEach(transport::send);
      if (rd.snapshot() != null) {
        loadInstalledSnapshot(rd.snapshot());
      }
      if (rd.mustPersist()) {
        PendingWrite w = new PendingWrite(rd.hardState(), rd.entries(), rd.snapshot());
        w.afterPersist.addAll(rd.messagesAfterPersist());
        if (rd.snapshot() != null) {
          snapshotter.answerInstallWhenDurable(w);
        }
        submit(w);
      } else if (!rd.messagesAfterPersist().isEmpty()) {
        if (writesInFlight.isEmpty()) {
          rd.messagesAfterPersist().forEach(transport::send);
        } else {
          // Writes complete in order, so once the newest one is durable everything these messages
          // confirm is too.
          writesInFlight.peekLast().afterPersist.addAll(rd.messagesAfterPersist());
        }
      }
      apply(rd.committed());
      for (ReadState rs : rd.readStates()) {
        requests.onReadState(rs, lastApplied);
      }
      rd.snapshotNeeded().forEach(snapshotter::send);
    }
    snapshotter.maybeSnapshot();
  }

  /** Writes complete in the order submitted, which {@link #onWritesDurable} checks. */
  private void submit(PendingWrite w) {
    writesInFlight.addLast(w);
    writer.submit(w);
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * A whole, verified snapshot arrived from {@code leaderId} (called by the receiver, any thread).
   * Completes with true once it is installed and durable (or this node already had everything in
   * it), false when refused.
   */
  CompletableFuture<Boolean> installSnapshot(
      String leaderId, long leaderTerm, long index, long term, Applier.Loaded loaded) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    boolean posted =
        post(
            () -> {
              try {
                snapshotter.offerReceived(leaderId, leaderTerm, index, term, loaded, done);
              } catch (IOException e) {
                onStorageFailure(e);
                done.completeExceptionally(e);
              }
            });
    if (!posted) {
      done.completeExceptionally(unavailable());
    }
    return done;
  }

  /**
   * The core's Ready says to install the snapshot it accepted: replace the state machine before
   * applying more.
   */
  private void loadInstalledSnapshot(SnapshotMeta meta) {
    snapshotter.loadInstalled(meta);
    lastApplied = meta.index();
    requests.snapshotInstalled(meta.index());
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
            w.onDurable.forEach(f -> f.complete(true));
          }
        });
  }

  private void onStorageFailure(Throwable t) {
    if (failure != null) {
      return;
    }
    failure = t.getClass().getSimpleName() + ": " + t.getMessage();
    LOG.error(
        "node {} stops serving: storage failed ({}). Nothing unpersisted was acknowledged. Only a restart recovers"
            + " it (after a failed write or fsync, retrying could lose data), so /actuator/health/liveness is now"
            + " DOWN: Kubernetes restarts it; elsewhere, free space or fix the disk and restart it.",
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
      snapshotter.applied(e.sizeBytes());
      requests.applied(e, result);
    }
    requests.completeReadsUpTo(lastApplied);
  }

  private void failEverything(RuntimeException e) {
    snapshotter.failPendingInstall(e);
    requests.failAll(e);
  }

  private void publishStatus() {
    statusPublisher.publish(lastApplied, failure, loopIterations);
    // The log's bytes first, then the reservations they now cover: never a moment where neither
    // counts them.
    logBytes = core.logBytes();
    if (reservedNowInLog > 0) {
      memory.release(reservedNowInLog);
      reservedNowInLog = 0;
    }
  }
}
