package io.kvraft.node;

import io.kvraft.raft.log.SnapshotStore;
import io.kvraft.transport.SnapshotChunk;
import io.kvraft.transport.Transport;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one snapshot file to one follower chunk by chunk (InstallSnapshot, Raft §7); runs on a
 * background thread.
 */
final class SnapshotSender {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);

  private final String nodeId;
  private final SnapshotStore snapshots;
  private final SnapshotPolicy policy;
  private final Transport transport;
  private final Supplier<NodeMetrics> metrics;

  /**
   * Whether this node still leads the given term (and runs): a transfer stops as soon as it does
   * not.
   */
  private final LongPredicate leads;

  SnapshotSender(
      String nodeId,
      SnapshotStore snapshots,
      SnapshotPolicy policy,
      Transport transport,
      Supplier<NodeMetrics> metrics,
      LongPredicate leads) {
    this.nodeId = nodeId;
    this.snapshots = snapshots;
    this.policy = policy;
    this.transport = transport;
    this.metrics = metrics;
    this.leads = leads;
  }

  /** A transfer's outcome: whether {@code index} (the snapshot it sent last) was installed. */
  record Result(boolean installed, long index, boolean fileLost) {
    static Result failed(long index) {
      return new Result(false, index, false);
    }
  }

  /**
   * Attempts in a row that moved no data before a transfer gives up (the node retries it later).
   */
  static final int MAX_FAILURES = 3;

  /**
   * Sends a snapshot chunk by chunk while this node still leads {@code term}: {@code first}, or
   * when its file is gone already, the newest one {@code newest} supplies if that is newer. It
   * first asks where to resume (the follower may hold part of this snapshot from an earlier attempt
   * or leader) and after a lost chunk asks again. The file is held open for the whole transfer, so
   * pruning cannot take it away halfway (issue 12: a transfer whose file was pruned failed on every
   * data chunk forever). When neither file exists, the result says {@code fileLost}, so that the
   * node writes a new snapshot.
   */
  Result transfer(
      String peer, SnapshotStore.Meta first, Supplier<SnapshotStore.Meta> newest, long term) {
    SnapshotStore.Meta m = first;
    while (true) {
      try (SnapshotStore.Sending file = snapshots.openForSending(m)) {
        return send(peer, file, term);
      } catch (NoSuchFileException gone) {
        SnapshotStore.Meta next = newest.get();
        // Only ever forward to a newer snapshot, so this ends.
        if (next == null || next.index() <= m.index()) {
          LOG.warn(
              "{}: snapshot {}@{} for {} is gone from disk and there is no newer one; writing a new one",
              nodeId,
              m.index(),
              m.term(),
              peer);
          return new Result(false, m.index(), true);
        }
        LOG.info(
            "{}: snapshot {}@{} for {} is gone from disk; sending the newest, {}@{}",
            nodeId,
            m.index(),
            m.term(),
            peer,
            next.index(),
            next.term());
        m = next;
      } catch (IOException e) {
        LOG.warn("{}: cannot open snapshot {} for {}: {}", nodeId, m.path(), peer, e.toString());
        return Result.failed(m.index());
      }
    }
  }

  /**
   * Only a data chunk the follower took counts as progress and clears the failure count: an empty
   * probe succeeds whenever the follower is reachable, so letting it clear the count would retry a
   * chunk that always fails forever.
   */
  private Result send(String peer, SnapshotStore.Sending file, long term) {
    SnapshotStore.Meta m = file.meta();
    long length = file.length();
    long offset = -1;
    int failures = 0;
    while (leads.test(term)) {
      try {
        byte[] data = offset < 0 ? new byte[0] : file.read(offset, policy.chunkBytes());
        long at = Math.max(0, offset);
        boolean last = at + data.length >= length;
        SnapshotChunk chunk =
            new SnapshotChunk(nodeId, peer, term, m.index(), m.term(), length, at, data);
        SnapshotChunk.Reply reply =
            transport.sendSnapshotChunk(chunk, policy.chunkTimeout(data.length, last, length));
        if (data.length > 0) {
          failures = 0;
        }
        metrics.get().snapshotChunkSent(data.length);
        switch (reply.status()) {
          case DONE:
            metrics.get().snapshotSent();
            LOG.info(
                "{}: installed snapshot {}@{} ({} bytes) on {}",
                nodeId,
                m.index(),
                m.term(),
                length,
                peer);
            return new Result(true, m.index(), false);
          case REJECTED:
            return Result.failed(m.index());
          default:
            offset = reply.nextOffset();
        }
      } catch (IOException e) {
        LOG.debug("{}: snapshot chunk to {} failed: {}", nodeId, peer, e.toString());
        if (++failures >= MAX_FAILURES) {
          return Result.failed(m.index());
        }
        offset = -1;
      }
    }
    return Result.failed(m.index());
  }
}
