package io.kvraft.node;

import io.kvraft.raft.RaftCore;
import io.kvraft.raft.Role;
import java.util.function.Supplier;

/**
 * Publishes a node's {@link NodeStatus} for other threads (health checks, the web layer, snapshot
 * transfers) and reports elections and leader changes to {@link NodeMetrics}, both seen by
 * comparing with the status before. {@link #publish} is called by the event loop (and once more by
 * close, after the loop stopped); {@link #current} by any thread.
 */
final class StatusPublisher {
  private final RaftCore core;
  private final Supplier<NodeMetrics> metrics;
  private volatile NodeStatus status;

  StatusPublisher(RaftCore core, Supplier<NodeMetrics> metrics) {
    this.core = core;
    this.metrics = metrics;
  }

  /** The status last published; null only while the node is being constructed. */
  NodeStatus current() {
    return status;
  }

  void publish(long lastApplied, String failure, long loopIterations) {
    NodeStatus before = status;
    // A node whose storage failed takes part in nothing and learns no newer term, so what its core
    // last believed is stale: claiming to lead (or to know the leader) would send clients to it
    // long after the others moved on.
    boolean failed = failure != null;
    NodeStatus now =
        new NodeStatus(
            core.id(),
            failed ? Role.FOLLOWER : core.role(),
            core.term(),
            failed ? null : core.leader(),
            core.commitIndex(),
            lastApplied,
            core.lastIndex(),
            failure == null,
            failure,
            loopIterations);
    status = now;
    if (before != null) {
      // A term this node raised itself (it campaigns or already won); one loop iteration may cover
      // a whole single-node election, so roles seen in between are not enough.
      if (now.term() > before.term()
          && (now.role() == Role.CANDIDATE || now.role() == Role.LEADER)) {
        metrics.get().electionStarted();
      }
      if (now.leader() != null && !now.leader().equals(before.leader())) {
        metrics.get().leaderChanged(now.leader());
      }
    }
  }
}
