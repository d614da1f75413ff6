package io.kvraft.ops;

import io.kvraft.node.NodeStatus;
import io.kvraft.node.RaftNode;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Liveness ({@code /actuator/health/liveness}): the Raft event loop makes progress and the node's
 * storage has not failed. Ticks reach the loop every {@code raft.tick-interval}, so its iteration
 * count grows whenever it is alive; DOWN once it has not moved for {@code
 * kvraft.health.loop-stall-timeout} (default 10s). DOWN also once a write or fsync failed (a full
 * disk, an I/O error): the node then stops serving for good, because after a failed write or fsync
 * retrying could silently lose data, and only a restart, which re-reads and re-verifies what is
 * really on disk, recovers it; so the orchestrator should restart it. Deliberately blind to Raft
 * state: a partitioned node or one without a leader is alive, and restarting it would not help.
 */
@Component("raftLoop")
public class RaftLivenessIndicator implements HealthIndicator {
  private final Supplier<NodeStatus> status;
  private final long stallNanos;
  private final LongSupplier nanoClock;
  private long lastIterations = -1;
  private long lastProgressNanos;

  @Autowired
  public RaftLivenessIndicator(
      RaftNode node, @Value("${kvraft.health.loop-stall-timeout:10s}") Duration stallTimeout) {
    this(node::status, stallTimeout, System::nanoTime);
  }

  RaftLivenessIndicator(
      Supplier<NodeStatus> status, Duration stallTimeout, LongSupplier nanoClock) {
    this.status = status;
    this.stallNanos = stallTimeout.toNanos();
    this.nanoClock = nanoClock;
  }

  @Override
  public synchronized Health health() {
    NodeStatus s = status.get();
    long iterations = s.loopIterations();
    long now = nanoClock.getAsLong();
    if (iterations != lastIterations) {
      lastIterations = iterations;
      lastProgressNanos = now;
    }
    long stalledMillis = (now - lastProgressNanos) / 1_000_000;
    Health.Builder b;
    if (!s.healthy()) {
      b =
          Health.down()
              .withDetail("reason", "storage failed, only a restart recovers: " + s.failure());
    } else if (now - lastProgressNanos > stallNanos) {
      b =
          Health.down()
              .withDetail(
                  "reason", "the Raft event loop has not moved for " + stalledMillis + " ms");
    } else {
      b = Health.up();
    }
    return b.withDetail("loopIterations", iterations)
        .withDetail("millisSinceProgress", stalledMillis)
        .build();
  }
}
