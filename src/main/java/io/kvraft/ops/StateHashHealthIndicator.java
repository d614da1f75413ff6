package io.kvraft.ops;

import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.StateHashes;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "stateHash" (also in the readiness group): DOWN, with the
 * reason, once {@link ReplicaHashCheck} found this member's state diverged from a quorum's; UP with
 * the last comparison otherwise.
 */
@Component("stateHash")
public class StateHashHealthIndicator implements HealthIndicator {
  private final StateHashes hashes;
  private final ReplicaHashCheck check;

  public StateHashHealthIndicator(KvStateMachine stateMachine, ReplicaHashCheck check) {
    this.hashes = stateMachine.hashes();
    this.check = check;
  }

  @Override
  public Health health() {
    Health.Builder b =
        hashes
            .diverged()
            .map(reason -> Health.down().withDetail("diverged", reason))
            .orElse(Health.up());
    hashes.latest().ifPresent(at -> b.withDetail("index", at.index()).withDetail("hash", at.hex()));
    check
        .lastVerdict()
        .ifPresent(
            v ->
                b.withDetail("lastComparison", v.outcome().name())
                    .withDetail("lastComparedIndex", v.index())
                    .withDetail("membersAgreeing", v.agreeing())
                    .withDetail("membersDiffering", v.differing().keySet()));
    return b.build();
  }
}
