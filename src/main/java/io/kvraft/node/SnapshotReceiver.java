package io.kvraft.node;

import io.kvraft.raft.log.SnapshotStore;
import io.kvraft.transport.SnapshotChunk;
import io.kvraft.transport.SnapshotChunk.Reply;
import io.kvraft.transport.SnapshotChunk.Status;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower's side of InstallSnapshot: assembles chunks into a partial file keyed by (index,
 * term), so a lost chunk, or a new leader that sends the same snapshot, costs a resume, not a
 * restart from zero; a different snapshot replaces the partial one. Once whole, it verifies the
 * checksum (so bytes of two different images are never installed together), decodes the image off
 * the event loop and hands it to the node, answering the last chunk only when the install is
 * durable. Chunks from a leader older than one already heard from are refused, so a deposed
 * leader's late chunks cannot throw away its successor's transfer.
 */
final class SnapshotReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceiver.class);

  private final RaftNode node;
  private final SnapshotStore store;
  private final Applier applier;
  private final long installTimeoutMillis;

  /**
   * The highest leader term a chunk came with; the node's own term may not have caught up with it
   * yet.
   */
  private long highestSenderTerm;

  SnapshotReceiver(RaftNode node, SnapshotStore store, Applier applier, long installTimeoutMillis) {
    this.node = node;
    this.store = store;
    this.applier = applier;
    this.installTimeoutMillis = installTimeoutMillis;
  }

  synchronized Reply receive(SnapshotChunk c) throws IOException {
    long term = Math.max(node.status().term(), highestSenderTerm);
    if (c.term() < term) {
      return new Reply(Status.REJECTED, term, 0);
    }
    highestSenderTerm = c.term();
    long size = store.writePartial(c.snapshotIndex(), c.snapshotTerm(), c.offset(), c.data());
    if (size < c.totalLength()) {
      return new Reply(Status.CONTINUE, term, size);
    }
    Applier.Loaded loaded;
    try {
      store.verifyPartial(c.snapshotIndex(), c.snapshotTerm());
      try (InputStream in = store.openPartialContent(c.snapshotIndex(), c.snapshotTerm())) {
        loaded = applier.load(in);
      }
      if (loaded.index() != c.snapshotIndex()) {
        throw new IOException(
            "snapshot content is at " + loaded.index() + ", header says " + c.snapshotIndex());
      }
    } catch (IOException e) {
      LOG.warn(
          "snapshot {}@{} from {} is damaged ({}); asking for it again",
          c.snapshotIndex(),
          c.snapshotTerm(),
          c.from(),
          e.getMessage());
      store.deletePartial(c.snapshotIndex(), c.snapshotTerm());
      return new Reply(Status.CONTINUE, term, 0);
    }
    try {
      boolean ok =
          node.installSnapshot(c.from(), c.term(), c.snapshotIndex(), c.snapshotTerm(), loaded)
              .get(installTimeoutMillis, TimeUnit.MILLISECONDS);
      return new Reply(ok ? Status.DONE : Status.REJECTED, node.status().term(), size);
    } catch (TimeoutException e) {
      throw new IOException(
          "installing snapshot "
              + c.snapshotIndex()
              + " took longer than "
              + installTimeoutMillis
              + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("installing snapshot failed: " + e.getCause(), e.getCause());
    }
  }
}
