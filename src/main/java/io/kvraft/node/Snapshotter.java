package io.kvraft.node;

import io.kvraft.raft.RaftCore;
import io.kvraft.raft.SnapshotInstall;
import io.kvraft.raft.SnapshotMeta;
import io.kvraft.raft.log.SnapshotStore;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's snapshots after start-up ({@link SnapshotRestore} does start-up): decides when to take
 * one, captures the state machine on the loop and writes it on a background thread, compacts the
 * log once it is durable, installs the ones a leader sends ({@link SnapshotReceiver} assembles
 * them), and starts transfers to lagging followers ({@link SnapshotSender} streams them).
 *
 * <p>The node's event loop calls every method but those marked otherwise, and the state here is the
 * loop's; background threads (writing, sending) report back only by queueing an event for the loop.
 * Without a snapshot store nothing is ever taken.
 */
final class Snapshotter {
  private static final Logger LOG = LoggerFactory.getLogger(Snapshotter.class);

  private final RaftCore core;

  /** Null, like policy, when the node keeps no snapshots. */
  private final SnapshotStore snapshots;

  private final SnapshotPolicy policy;
  private final Applier applier;
  private final Supplier<NodeMetrics> metrics;

  /** Queues an event for the loop (any thread). */
  private final Consumer<Runnable> toLoop;

  /** Hands a write to storage in order with the loop's own (loop). */
  private final Consumer<RaftNode.PendingWrite> persist;

  private final LongSupplier lastApplied;
  private final BooleanSupplier failed;

  /** Read on transfer threads: a failed transfer is retried only while the node runs. */
  private final BooleanSupplier running;

  private final ScheduledExecutorService ticker;
  private final SnapshotSender sender;
  private final ExecutorService snapshotThreads;

  private boolean snapshotInProgress;

  /**
   * The newest snapshot's file vanished (deleted by hand): write one again even if nothing was
   * applied since.
   */
  private boolean snapshotFileLost;

  private long lastSnapshotIndex;
  private long bytesSinceSnapshot;
  private long lastSnapshotNanos;

  /**
   * The newest snapshot on disk (written here or installed from a leader): what is sent to lagging
   * followers.
   */
  private volatile SnapshotStore.Meta latestSnapshot;

  private final Set<String> sendingSnapshotTo = new java.util.HashSet<>();

  /** A received snapshot the core accepted, to be loaded when its Ready comes. */
  private PendingInstall pendingInstall;

  private volatile long snapshotsTaken;
  private volatile long snapshotsInstalled;

  private record PendingInstall(Applier.Loaded loaded, CompletableFuture<Boolean> done) {}

  /**
   * {@code restored} is where the node started; {@code createdNanos} when the node was created,
   * from which the time trigger counts. {@code sender} is null, like {@code snapshots}, when the
   * node keeps no snapshots.
   */
  Snapshotter(
      RaftCore core,
      SnapshotStore snapshots,
      SnapshotPolicy policy,
      Applier applier,
      Supplier<NodeMetrics> metrics,
      SnapshotRestore.Restored restored,
      long createdNanos,
      Consumer<Runnable> toLoop,
      Consumer<RaftNode.PendingWrite> persist,
      LongSupplier lastApplied,
      BooleanSupplier failed,
      BooleanSupplier running,
      SnapshotSender sender,
      ScheduledExecutorService ticker) {
    this.core = core;
    this.snapshots = snapshots;
    this.policy = policy;
    this.applier = applier;
    this.metrics = metrics;
    this.toLoop = toLoop;
    this.persist = persist;
    this.lastApplied = lastApplied;
    this.failed = failed;
    this.running = running;
    this.ticker = ticker;
    this.latestSnapshot = restored.snapshot();
    this.lastSnapshotIndex = restored.state().appliedIndex();
    this.lastSnapshotNanos = createdNanos;
    this.sender = sender;
    this.snapshotThreads =
        snapshots == null
            ? null
            : Executors.newCachedThreadPool(
                r -> {
                  Thread t = new Thread(r, "raft-snapshot-" + core.id());
                  t.setDaemon(true);
                  return t;
                });
  }

  /** Snapshots written here and snapshots installed from a leader since start (any thread). */
  long[] counts() {
    return new long[] {snapshotsTaken, snapshotsInstalled};
  }

  /** The newest snapshot on disk, or null (any thread). */
  SnapshotStore.Meta latest() {
    return latestSnapshot;
  }

  /** Stops writing and sending (the thread closing or crashing the node). */
  void shutdownNow() {
    if (snapshotThreads != null) {
      snapshotThreads.shutdownNow();
    }
  }

  /** An entry of {@code bytes} was applied: counts towards the size trigger. */
  void applied(long bytes) {
    bytesSinceSnapshot += bytes;
  }

  /**
   * Snapshots the state machine when the size or time trigger says so and no snapshot is being
   * written.
   */
  void maybeSnapshot() {
    if (snapshots == null || snapshotInProgress || failed.getAsBoolean()) {
      return;
    }
    boolean replaceLost = snapshotFileLost;
    if (!replaceLost && lastApplied.getAsLong() <= lastSnapshotIndex) {
      return;
    }
    boolean bySize = policy.thresholdBytes() > 0 && bytesSinceSnapshot >= policy.thresholdBytes();
    boolean byTime =
        !policy.interval().isZero()
            && System.nanoTime() - lastSnapshotNanos >= policy.interval().toNanos();
    if (!bySize && !byTime && !replaceLost) {
      return;
    }
    long captureStart = System.nanoTime();
    Applier.Image image = applier.capture();
    long index = image.index();
    long term = core.termAt(index);
    if (index < lastSnapshotIndex || (index == lastSnapshotIndex && !replaceLost) || term < 1) {
      return;
    }
    snapshotFileLost = false;
    snapshotInProgress = true;
    bytesSinceSnapshot = 0;
    lastSnapshotNanos = System.nanoTime();
    long started = System.nanoTime();
    // The capture ran on this loop, so it delayed heartbeats and appends: worth seeing when sizing
    // a node.
    long captureMillis = (lastSnapshotNanos - captureStart) / 1_000_000;
    snapshotThreads.execute(
        () -> {
          try {
            long writeStart = System.nanoTime();
            SnapshotStore.Meta m = snapshots.save(index, term, image::writeTo);
            metrics.get().snapshotTaken(m.length(), System.nanoTime() - started);
            LOG.info(
                "{}: snapshot {}@{} saved ({} bytes): capture paused the loop {} ms, writing took {} ms",
                core.id(),
                index,
                term,
                m.length(),
                captureMillis,
                (System.nanoTime() - writeStart) / 1_000_000);
            toLoop.accept(() -> onSnapshotSaved(m));
          } catch (Exception e) {
            LOG.error("{}: writing snapshot at {} failed; will try again", core.id(), index, e);
            toLoop.accept(() -> snapshotInProgress = false);
          }
        });
  }

  /**
   * The snapshot is durable: drop the core's log up to it but for the trailing entries the policy
   * keeps, and the stored log up to the previous snapshot or that tail, whichever is older.
   */
  private void onSnapshotSaved(SnapshotStore.Meta m) {
    snapshotInProgress = false;
    snapshotsTaken++;
    if (m.index() == lastSnapshotIndex
        && latestSnapshot != null
        && latestSnapshot.index() == m.index()) {
      latestSnapshot = m; // rewritten because its file was lost: the log is compacted to it already
      return;
    }
    if (m.index() <= lastSnapshotIndex) {
      return; // a snapshot installed from the leader meanwhile is newer
    }
    lastSnapshotIndex = m.index();
    latestSnapshot = m;
    core.compact(core.compactionPoint(m.index(), policy.trailingEntries(), policy.trailingBytes()));
    try {
      List<SnapshotStore.Meta> kept = snapshots.list();
      long tail = core.snapshotIndex();
      if (kept.size() >= 2 && tail > 0) {
        SnapshotStore.Meta older = kept.get(1);
        SnapshotMeta to =
            older.index() <= tail
                ? new SnapshotMeta(older.index(), older.term())
                : new SnapshotMeta(tail, core.termAt(tail));
        persist.accept(new RaftNode.PendingWrite(null, List.of(), to));
      }
    } catch (IOException e) {
      LOG.warn(
          "{}: listing snapshots failed; the log is compacted at the next snapshot", core.id(), e);
    }
  }

  /**
   * A whole, verified snapshot {@code index}@{@code term} from {@code leaderId} reached the loop:
   * offers it to the core. {@code done} completes with true once it is installed and durable (or
   * this node already had everything in it), false when refused; left open when it throws, which
   * means storage failed.
   */
  void offerReceived(
      String leaderId,
      long leaderTerm,
      long index,
      long term,
      Applier.Loaded loaded,
      CompletableFuture<Boolean> done)
      throws IOException {
    SnapshotInstall result = core.installSnapshot(leaderId, leaderTerm, index, term);
    if (result == SnapshotInstall.INSTALLED) {
      latestSnapshot = snapshots.adoptPartial(index, term);
      pendingInstall = new PendingInstall(loaded, done);
      return;
    }
    snapshots.deletePartial(index, term);
    done.complete(result == SnapshotInstall.ALREADY_COVERED);
  }

  /**
   * The core's Ready says to install the snapshot it accepted: replace the state machine before
   * applying more.
   */
  void loadInstalled(SnapshotMeta meta) {
    if (pendingInstall == null || pendingInstall.loaded().index() != meta.index()) {
      throw new IllegalStateException("core installed snapshot " + meta + " that was not loaded");
    }
    pendingInstall.loaded().install();
    lastSnapshotIndex = Math.max(lastSnapshotIndex, meta.index());
    bytesSinceSnapshot = 0;
    snapshotsInstalled++;
    SnapshotStore.Meta installed = latestSnapshot;
    metrics.get().snapshotInstalled(installed == null ? 0 : installed.length());
  }

  /**
   * The installed snapshot goes to storage with {@code w}: its sender is answered once that is
   * durable.
   */
  void answerInstallWhenDurable(RaftNode.PendingWrite w) {
    if (pendingInstall != null) {
      w.onDurable.add(pendingInstall.done());
      pendingInstall = null;
    }
  }

  void failPendingInstall(RuntimeException e) {
    if (pendingInstall != null) {
      pendingInstall.done().completeExceptionally(e);
      pendingInstall = null;
    }
  }

  /**
   * A transfer found no file for the newest snapshot (someone deleted it): write it again, so that
   * the next attempt has something to send. Pruning alone never causes this, since a newer snapshot
   * replaces what it prunes.
   */
  private void onSnapshotFileLost(long index) {
    SnapshotStore.Meta newest = latestSnapshot;
    if (newest != null && newest.index() == index && !java.nio.file.Files.exists(newest.path())) {
      LOG.warn(
          "{}: the file of snapshot {}@{} is gone; writing a new snapshot",
          core.id(),
          index,
          newest.term());
      snapshotFileLost = true;
      maybeSnapshot();
    }
  }

  /**
   * Streams the newest snapshot to {@code peer} on a background thread, once at a time per peer;
   * {@link SnapshotSender} moves on to a newer one if its file is gone by the time the transfer
   * starts.
   */
  void send(String peer) {
    if (!sendingSnapshotTo.add(peer)) {
      return; // the transfer under way reports when it ends
    }
    SnapshotStore.Meta m = latestSnapshot;
    long term = core.term();
    Runnable transfer =
        () -> {
          SnapshotSender.Result result =
              m == null
                  ? SnapshotSender.Result.failed(0)
                  : sender.transfer(peer, m, () -> latestSnapshot, term);
          if (result.fileLost()) {
            toLoop.accept(() -> onSnapshotFileLost(result.index()));
          }
          Runnable report =
              () -> {
                sendingSnapshotTo.remove(peer);
                core.reportSnapshot(peer, result.index(), result.installed());
              };
          if (result.installed()) {
            toLoop.accept(report);
          } else if (running.getAsBoolean()) {
            // The core asks again at once after a failure; pacing the retries is the node's job.
            ticker.schedule(
                () -> toLoop.accept(report),
                policy.baseTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
          }
        };
    if (snapshotThreads == null) {
      LOG.warn("{}: {} needs a snapshot but this node keeps none", core.id(), peer);
      return;
    }
    snapshotThreads.execute(transfer);
  }
}
