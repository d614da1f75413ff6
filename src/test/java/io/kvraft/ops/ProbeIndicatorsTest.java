package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.node.NodeStatus;
import io.kvraft.raft.Role;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

/**
 * The probe rules on their own: liveness follows only the loop's progress, readiness the leader and
 * catch-up.
 */
class ProbeIndicatorsTest {
  private static NodeStatus status(
      Role role, String leader, long commit, long applied, long loops, String failure) {
    return new NodeStatus(
        "n2", role, 3, leader, commit, applied, commit, failure == null, failure, loops);
  }

  @Test
  void livenessIsDownOnlyWhenTheLoopStopsMoving() {
    AtomicReference<NodeStatus> s =
        new AtomicReference<>(status(Role.FOLLOWER, null, 0, 0, 1, null));
    AtomicLong nanos = new AtomicLong();
    HealthIndicator live = new RaftLivenessIndicator(s::get, Duration.ofSeconds(10), nanos::get);
    assertThat(live.health().getStatus()).isEqualTo(Status.UP);
    nanos.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThat(live.health().getStatus()).isEqualTo(Status.UP);
    // a partitioned candidate without a leader is alive while its loop turns
    s.set(status(Role.CANDIDATE, null, 0, 0, 2, null));
    nanos.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThat(live.health().getStatus()).isEqualTo(Status.UP);
    nanos.addAndGet(Duration.ofSeconds(11).toNanos());
    assertThat(live.health().getStatus()).isEqualTo(Status.DOWN);
    s.set(status(Role.CANDIDATE, null, 0, 0, 3, null));
    assertThat(live.health().getStatus()).isEqualTo(Status.UP);
  }

  @Test
  void livenessIsDownOnceStorageFailedThoughTheLoopStillTurns() {
    AtomicReference<NodeStatus> s = new AtomicReference<>(status(Role.LEADER, "n2", 5, 5, 1, null));
    AtomicLong nanos = new AtomicLong();
    HealthIndicator live = new RaftLivenessIndicator(s::get, Duration.ofSeconds(10), nanos::get);
    assertThat(live.health().getStatus()).isEqualTo(Status.UP);
    // A full disk: nothing more can be persisted, and only a restart recovers the node, so the
    // kubelet must restart it.
    s.set(status(Role.FOLLOWER, null, 5, 5, 2, "IOException: No space left on device"));
    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    Health h = live.health();
    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails().get("reason").toString())
        .contains("storage failed")
        .contains("restart")
        .contains("No space left on device");
    s.set(status(Role.FOLLOWER, null, 5, 5, 3, "IOException: No space left on device"));
    assertThat(live.health().getStatus()).isEqualTo(Status.DOWN);
  }

  @Test
  void readinessNeedsALeaderAndCaughtUpApply() {
    assertThat(RaftReadinessIndicator.of(status(Role.FOLLOWER, null, 5, 5, 9, null)).getStatus())
        .isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(RaftReadinessIndicator.of(status(Role.FOLLOWER, "n1", 5007, 5, 9, null)).getStatus())
        .isEqualTo(Status.OUT_OF_SERVICE);
    // a few entries behind is the normal state under write load, not a reason to leave the Service
    assertThat(RaftReadinessIndicator.of(status(Role.FOLLOWER, "n1", 1005, 5, 9, null)).getStatus())
        .isEqualTo(Status.UP);
    assertThat(RaftReadinessIndicator.of(status(Role.FOLLOWER, "n1", 1006, 5, 9, null)).getStatus())
        .isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(RaftReadinessIndicator.of(status(Role.FOLLOWER, "n1", 7, 7, 9, null)).getStatus())
        .isEqualTo(Status.UP);
    assertThat(
            RaftReadinessIndicator.of(status(Role.LEADER, "n2", 7, 7, 9, "IOException: x"))
                .getStatus())
        .isEqualTo(Status.OUT_OF_SERVICE);
  }
}
