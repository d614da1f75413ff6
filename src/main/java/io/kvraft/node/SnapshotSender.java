package io.kvraft.node;

import io.kvraft.raft.log.SnapshotStore;
import io.kvraft.transport.SnapshotChunk;
import io.kvraft.transport.Transport;
import java.io.IOException;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Streams one snapshot file to one follower chunk by chunk (InstallSnapshot, Raft §7); runs on a background thread. */
final class SnapshotSender {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);

  private final String nodeId;
  private final SnapshotStore snapshots;
  private final SnapshotPolicy policy;
  private final Transport transport;
  private final Supplier<NodeMetrics> metrics;
  /** Whether this node still leads the given term (and runs): a transfer stops as soon as it does not. */
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

  /**
   * Sends {@code m} chunk by chunk while this node still leads {@code term}. It first asks where to resume (the
   * follower may hold part of this snapshot from an earlier attempt or leader) and after a lost chunk asks again.
   */
  boolean transfer(String peer, SnapshotStore.Meta m, long term) {
    long offset = -1;
    int failures = 0;
    while (leads.test(term)) {
      try {
        byte[] data = offset < 0 ? new byte[0] : snapshots.readChunk(m, offset, policy.chunkBytes());
        long at = Math.max(0, offset);
        boolean last = at + data.length >= m.length();
        SnapshotChunk chunk =
            new SnapshotChunk(nodeId, peer, term, m.index(), m.term(), m.length(), at, data);
        SnapshotChunk.Reply reply =
            transport.sendSnapshotChunk(chunk, policy.chunkTimeout(data.length, last, m.length()));
        failures = 0;
        metrics.get().snapshotChunkSent(data.length);
        switch (reply.status()) {
          case DONE:
            metrics.get().snapshotSent();
            LOG.info("{}: installed snapshot {}@{} ({} bytes) on {}", nodeId, m.index(), m.term(), m.length(), peer);
            return true;
          case REJECTED:
            return false;
          default:
            offset = reply.nextOffset();
        }
      } catch (IOException e) {
        LOG.debug("{}: snapshot chunk to {} failed: {}", nodeId, peer, e.toString());
        if (++failures >= 3) {
          return false;
        }
        offset = -1;
      }
    }
    return false;
  }
}
