package io.kvraft.ops;

import io.kvraft.node.NodeStatus;
import io.kvraft.node.RaftNode;
import io.kvraft.raft.Role;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.raft.log.SnapshotStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.springframework.stereotype.Component;

/**
 * Gauges read from the status the event loop publishes (never from the core itself): {@code
 * raft.term}, {@code raft.commit.index}, {@code raft.applied.index}, {@code raft.last.index},
 * {@code raft.role} (1 for the current role, 0 for the others, tag {@code role}), {@code
 * raft.healthy}, {@code raft.loop.iterations}, the log size {@code raft.log.size} in bytes, and the
 * newest snapshot on disk: {@code raft.snapshot.last.index} and {@code raft.snapshot.size} in bytes
 * (0 while there is none).
 */
@Component
public class RaftGauges implements MeterBinder {
  private final RaftNode node;
  private final RaftStorage storage;

  public RaftGauges(RaftNode node, RaftStorage storage) {
    this.node = node;
    this.storage = storage;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    gauge(registry, "raft.term", "Current Raft term", s -> s.term());
    gauge(
        registry,
        "raft.commit.index",
        "Highest log index known to be committed",
        s -> s.commitIndex());
    gauge(
        registry,
        "raft.applied.index",
        "Highest log index applied to the state machine",
        s -> s.lastApplied());
    gauge(
        registry,
        "raft.last.index",
        "Index of the last entry in this node's log",
        s -> s.lastIndex());
    gauge(
        registry,
        "raft.healthy",
        "1 while storage works, 0 once the node stopped serving",
        s -> s.healthy() ? 1 : 0);
    for (Role role : Role.values()) {
      Gauge.builder("raft.role", node, n -> n.status().role() == role ? 1 : 0)
          .description("1 for this node's current role, 0 for the others")
          .tag("role", role.name())
          .register(registry);
    }
    FunctionCounter.builder("raft.loop.iterations", node, n -> n.status().loopIterations())
        .description(
            "Batches of events the Raft event loop has processed; stalls mean the loop is stuck")
        .register(registry);
    Gauge.builder("raft.pending.proposals", node, n -> n.pendingProposals()[0])
        .description(
            "Proposals accepted and not yet applied; new ones are refused (503) at raft.max-pending-proposals")
        .register(registry);
    Gauge.builder("raft.pending.proposal.bytes", node, n -> n.pendingProposals()[1])
        .description(
            "Command bytes of the pending proposals; new ones are refused (503) at raft.max-pending-bytes")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("raft.snapshot.last.index", node, n -> snapshot(n, SnapshotStore.Meta::index))
        .description(
            "Last log index the newest snapshot on disk covers (written here or installed from a leader)")
        .register(registry);
    Gauge.builder("raft.snapshot.size", node, n -> snapshot(n, SnapshotStore.Meta::length))
        .description("Size of the newest snapshot file on disk")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("raft.log.size", storage, RaftGauges::logBytes)
        .description("Bytes of Raft log on disk")
        .baseUnit("bytes")
        .register(registry);
  }

  private static double snapshot(RaftNode node, ToLongFunction<SnapshotStore.Meta> f) {
    SnapshotStore.Meta m = node.latestSnapshot();
    return m == null ? 0 : f.applyAsLong(m);
  }

  private static double logBytes(RaftStorage storage) {
    try {
      return storage.sizeBytes();
    } catch (RuntimeException e) {
      return Double.NaN; // closed while shutting down
    }
  }

  private void gauge(
      MeterRegistry registry, String name, String description, ToDoubleFunction<NodeStatus> f) {
    Gauge.builder(name, node, n -> f.applyAsDouble(n.status()))
        .description(description)
        .register(registry);
  }
}
