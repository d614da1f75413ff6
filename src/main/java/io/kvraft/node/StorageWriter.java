package io.kvraft.node;

import io.kvraft.raft.log.RaftStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The storage thread. It takes every write queued while the previous fsync ran and makes them
 * durable with one more fsync (group commit), then reports them, in order, as one batch.
 */
final class StorageWriter {
  private final RaftStorage storage;
  private final Consumer<List<RaftNode.PendingWrite>> onDurable;
  private final Consumer<Throwable> onFailure;
  private final Supplier<NodeMetrics> metrics;
  private final LinkedBlockingQueue<RaftNode.PendingWrite> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean running = true;

  StorageWriter(
      RaftStorage storage,
      Consumer<List<RaftNode.PendingWrite>> onDurable,
      Consumer<Throwable> onFailure,
      String nodeId,
      Supplier<NodeMetrics> metrics) {
    this.storage = storage;
    this.metrics = metrics;
    this.onDurable = onDurable;
    this.onFailure = onFailure;
    this.thread = new Thread(this::run, "raft-storage-" + nodeId);
  }

  void start() {
    thread.start();
  }

  void submit(RaftNode.PendingWrite w) {
    queue.add(w);
  }

  private void run() {
    List<RaftNode.PendingWrite> batch = new ArrayList<>();
    while (running) {
      try {
        batch.add(queue.take());
        queue.drainTo(batch);
        boolean appended = false;
        int entries = 0;
        long writeStart = System.nanoTime();
        for (RaftNode.PendingWrite w : batch) {
          if (!running) {
            return;
          }
          if (w.hardState != null) {
            storage.saveHardState(w.hardState);
          }
          if (w.compactTo != null) {
            // Durable when it returns; before the entries, which may start right after the
            // compacted prefix.
            storage.compactPrefix(w.compactTo.index(), w.compactTo.term());
          }
          if (!w.entries.isEmpty()) {
            storage.append(w.entries);
            appended = true;
            entries += w.entries.size();
          }
        }
        NodeMetrics m = metrics.get();
        long syncStart = System.nanoTime();
        m.storageWrite(syncStart - writeStart, entries);
        if (appended) {
          storage.sync();
          m.fsync(System.nanoTime() - syncStart);
        }
        if (!running) {
          return;
        }
        onDurable.accept(List.copyOf(batch));
        batch.clear();
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        running = false;
        onFailure.accept(e);
        return;
      }
    }
  }

  /**
   * Stops the thread. Writes still queued are dropped; that loses nothing acknowledged, because
   * nothing that depends on a write is sent or applied before the write is durable. A crash and a
   * shutdown are the same here.
   */
  void stop() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
