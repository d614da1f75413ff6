package io.kvraft.ops;

import io.kvraft.node.NodeStatus;
import io.kvraft.node.RaftNode;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "raft": role, term, leader, commit and applied index (design
 * §4); DOWN once storage failed, with the failure, and then role FOLLOWER and no leader: the node
 * takes part in nothing any more, so it must not go on naming itself leader. The Kubernetes probes
 * use {@link RaftLivenessIndicator} and {@link RaftReadinessIndicator}.
 */
@Component("raft")
public class RaftHealthIndicator implements HealthIndicator {
  private final RaftNode node;

  public RaftHealthIndicator(RaftNode node) {
    this.node = node;
  }

  @Override
  public Health health() {
    NodeStatus s = node.status();
    Health.Builder b = s.healthy() ? Health.up() : Health.down().withDetail("failure", s.failure());
    return b.withDetail("node", s.id())
        .withDetail("role", s.role().name())
        .withDetail("term", s.term())
        .withDetail("leader", s.leader() == null ? "" : s.leader())
        .withDetail("commitIndex", s.commitIndex())
        .withDetail("lastApplied", s.lastApplied())
        .withDetail("lastIndex", s.lastIndex())
        .withDetail("loopIterations", s.loopIterations())
        .build();
  }
}
