package io.kvraft.web;

import io.kvraft.node.NodeStatus;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** Test access to the package-private probe constructors. */
public final class ProbeIndicatorsAccess {
  private ProbeIndicatorsAccess() {}

  public static HealthIndicator liveness(Supplier<NodeStatus> s, Duration stall, LongSupplier nanos) {
    return new RaftLivenessIndicator(s, stall, nanos);
  }

  public static Health readiness(NodeStatus s) {
    return RaftReadinessIndicator.of(s);
  }
}
