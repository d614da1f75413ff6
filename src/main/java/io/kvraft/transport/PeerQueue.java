package io.kvraft.transport;

import io.kvraft.raft.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messages waiting for one peer lane, bounded in count and in bytes so a slow or restarting
 * peer cannot make a node buffer its log in memory: beyond the bound a message is dropped and Raft
 * re-sends what matters. Not thread-safe; the lane that owns it guards it.
 */
final class PeerQueue {
  private static final Logger LOG = LoggerFactory.getLogger(PeerQueue.class);

  private final String lane;
  private final int maxQueued;
  private final long maxQueuedBytes;
  private final long maxBatchBytes;
  private final ArrayDeque<Message> queue = new ArrayDeque<>();
  private long queuedBytes;
  private long dropped;

  /**
   * @param lane names the lane in the log
   * @param maxBatchBytes most bytes {@link #takeBatch} returns (a single larger message still goes
   *     alone)
   */
  PeerQueue(String lane, int maxQueued, long maxQueuedBytes, long maxBatchBytes) {
    this.lane = lane;
    this.maxQueued = maxQueued;
    this.maxQueuedBytes = maxQueuedBytes;
    this.maxBatchBytes = maxBatchBytes;
  }

  /** Queues {@code m} unless that would pass a bound; false when it was dropped. */
  boolean offer(Message m) {
    long size = MessageCodec.encodedSizeEstimate(m);
    if (queue.size() >= maxQueued || (queuedBytes + size > maxQueuedBytes && !queue.isEmpty())) {
      if (dropped++ % 1000 == 0) {
        LOG.debug("peer lane {} is backed up; dropping messages", lane);
      }
      return false;
    }
    queue.add(m);
    queuedBytes += size;
    return true;
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  int size() {
    return queue.size();
  }

  /** The oldest messages, in order, up to the batch byte limit; empty when nothing waits. */
  List<Message> takeBatch() {
    List<Message> batch = new ArrayList<>(Math.min(queue.size(), 64));
    long bytes = 0;
    while (!queue.isEmpty()) {
      long size = MessageCodec.encodedSizeEstimate(queue.peekFirst());
      if (!batch.isEmpty() && bytes + size > maxBatchBytes) {
        break;
      }
      batch.add(queue.pollFirst());
      bytes += size;
    }
    queuedBytes -= bytes;
    return batch;
  }

  void clear() {
    queue.clear();
    queuedBytes = 0;
  }
}
