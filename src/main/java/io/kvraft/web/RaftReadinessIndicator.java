package io.kvraft.web;

import io.kvraft.node.NodeStatus;
import io.kvraft.node.RaftNode;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * Readiness ({@code /actuator/health/readiness}): this node can serve clients now, i.e. it knows a leader, has
 * applied everything up to the commit index it last learned, and its storage works. Otherwise OUT_OF_SERVICE (503),
 * so a load balancer sends clients elsewhere; peers still reach it (the headless Service publishes not-ready
 * addresses), which is how a fresh cluster elects its first leader.
 */
@Component("raftReady")
public class RaftReadinessIndicator implements HealthIndicator {
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
    } else if (s.lastApplied() < s.commitIndex()) {
      reason = "applying: " + s.lastApplied() + " of " + s.commitIndex();
    }
    Health.Builder b = reason == null ? Health.up() : Health.status(Status.OUT_OF_SERVICE).withDetail("reason", reason);
    return b.withDetail("leader", s.leader() == null ? "" : s.leader())
        .withDetail("commitIndex", s.commitIndex())
        .withDetail("lastApplied", s.lastApplied())
        .build();
  }
}
