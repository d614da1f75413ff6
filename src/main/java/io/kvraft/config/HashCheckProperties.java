package io.kvraft.config;

import io.kvraft.kv.StateHashes;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code kv.hash-check.*}: members compare the hash of their key-value state at a common applied
 * index (see {@link io.kvraft.ops.ReplicaHashCheck}).
 *
 * @param interval how often this member compares itself with the others; zero turns the periodic
 *     check off ({@code /actuator/hash} still answers)
 * @param history how many of the last applied indexes keep their hash; a member more than this many
 *     entries behind is left out of a round
 * @param timeout how long a peer has to answer one hash request
 */
@ConfigurationProperties(prefix = "kv.hash-check")
public record HashCheckProperties(Duration interval, Integer history, Duration timeout) {
  public HashCheckProperties {
    interval = interval == null ? Duration.ofSeconds(30) : interval;
    history = history == null ? StateHashes.DEFAULT_HISTORY : history;
    timeout = timeout == null ? Duration.ofSeconds(2) : timeout;
    if (interval.isNegative()) {
      throw new IllegalArgumentException("kv.hash-check.interval must not be negative");
    }
    if (history < 1) {
      throw new IllegalArgumentException("kv.hash-check.history must be at least 1");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("kv.hash-check.timeout must be positive");
    }
  }
}
