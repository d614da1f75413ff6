package io.kvraft.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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

  /** A member's refused start, as the scenarios that damage its files cause on purpose. */
  static final Pattern REFUSED_START =
      Pattern.compile(
          "TomcatStarter .*Error starting Tomcat context|LoggingFailureAnalysisReporter");

  private final Map<String, List<Pattern>> expectedTrouble = new HashMap<>();

  /**
   * Log lines of member {@code id} that this scenario causes on purpose; any other trouble fails
   * it.
   */
  void expectTrouble(String id, Pattern lines) {
    expectedTrouble.computeIfAbsent(id, k -> new ArrayList<>()).add(lines);
  }

  @BeforeEach
  void wholeCluster() {
    cluster.restoreAll();
    cluster.awaitLeader(LEADER_WAIT);
    expectedTrouble.clear();
    cluster.markLogs();
  }

  /**
   * Every member's log is read after each scenario: an error, exception or OutOfMemoryError the
   * scenario did not cause, or a member that died by itself, fails it (a restore would otherwise
   * quietly restart it before the next scenario).
   */
  /** Whatever the scenario did, the members that answer hold one state at one index. */
  @AfterEach
  void replicasAgree() {
    Map<String, String> hashes = cluster.stateHashes();
    assertThat(new HashSet<>(hashes.values())).as("state hashes %s", hashes).hasSizeLessThan(2);
  }

  @AfterEach
  void nothingUnexpectedInTheLogs() {
    assertThat(cluster.unexpectedTrouble(expectedTrouble))
        .as(
            "members' trouble this scenario did not cause (logs in %s)",
            cluster.logFile("x").getParent())
        .isEmpty();
  }
}
