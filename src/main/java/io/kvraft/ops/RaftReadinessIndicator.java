package io.kvraft.ops;

import io.kvraft.node.NodeStatus;
import io.kvraft.node.RaftNode;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * Readiness ({@code /actuator/health/readiness}): this node can serve clients now, i.e. it knows a
 * leader, has applied nearly everything up to the commit index it last learned, and its storage
 * works. Otherwise OUT_OF_SERVICE (503), so a load balancer sends clients elsewhere; peers still
 * reach it (the headless Service publishes not-ready addresses), which is how a fresh cluster
 * elects its first leader.
 */
@Component("raftReady")
public class RaftReadinessIndicator implements HealthIndicator {
  /**
   * How far applying may trail the known commit index and still count as caught up. Under write
   * load a healthy node is always a few entries behind (the fuzz test saw "825 of 826"); demanding
   * zero made readiness flap and Kubernetes drop busy pods from the Service. A node recovering from
   * an outage is thousands behind.
   */
  static final long MAX_APPLY_LAG = 1_000;

  private final RaftNode node;

  public RaftReadinessIndicator(RaftNode node) {
    this.node = node;
  }

  @Override
  public Health health() {
    return of(node.status());
  }

  static Health of(NodeStatus s) {
    String reason = null;
    if (!s.healthy()) {
      reason = "storage failed: " + s.failure();
    } else if (s.leader() == null) {
      reason = "no leader known";
    } else if (s.lastApplied() < s.commitIndex() - MAX_APPLY_LAG) {
      reason = "applying: " + s.lastApplied() + " of " + s.commitIndex();
    }
    Health.Builder b =
        reason == null
            ? Health.up()
            : Health.status(Status.OUT_OF_SERVICE).withDetail("reason", reason);
    return b.withDetail("leader", s.leader() == null ? "" : s.leader())
        .withDetail("commitIndex", s.commitIndex())
        .withDetail("lastApplied", s.lastApplied())
        .build();
  }
}
