package io.kvraft.system;

import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * What the fault scenario classes share: one cluster of real processes for all scenarios of a
 * class, started once with a leader, made whole again (links healed, nodes resumed and started)
 * with a leader before each scenario, and stopped at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
abstract class SharedClusterFaults {
  static final Duration LEADER_WAIT = Duration.ofSeconds(20);
  final Random random = new Random();
  KvraftCluster cluster;

  /** The cluster the scenarios share, not started yet. */
  abstract KvraftCluster newCluster() throws IOException;

  @BeforeAll
  void startCluster() throws IOException {
    cluster = newCluster();
    cluster.startAll();
    cluster.awaitLeader(LEADER_WAIT);
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void wholeCluster() {
    cluster.restoreAll();
    cluster.awaitLeader(LEADER_WAIT);
  }
}
