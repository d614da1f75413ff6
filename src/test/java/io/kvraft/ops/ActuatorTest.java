package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Health with Raft details, the Kubernetes probe groups, /actuator/info and the Prometheus scrape
 * of a live node.
 */
class ActuatorTest extends LiveNodeTestBase {

  @Test
  void healthShowsTheRaftState() {
    HttpResponse<String> r = send("GET", "/actuator/health", null);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode raft = json("/actuator/health").path("components").path("raft");
    assertThat(raft.path("status").asText()).isEqualTo("UP");
    JsonNode d = raft.path("details");
    assertThat(d.path("role").asText()).isEqualTo("LEADER");
    assertThat(d.path("leader").asText()).isEqualTo("n1");
    assertThat(d.path("term").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(d.path("commitIndex").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(d.path("lastApplied").asLong()).isEqualTo(d.path("commitIndex").asLong());
  }

  @Test
  void diskSpaceWatchesTheDataDirectoryWithoutNamingIt() throws Exception {
    JsonNode disk = json("/actuator/health").path("components").path("diskSpace");
    assertThat(disk.path("status").asText()).isEqualTo("UP");
    assertThat(disk.path("details").path("free").asLong()).isPositive();
    assertThat(disk.path("details").path("exists").asBoolean()).isTrue();
    // Health is unauthenticated: how much room, never where (issue 14).
    assertThat(disk.path("details").has("path")).isFalse();
    String dataDir =
        bean(org.springframework.core.env.Environment.class).getProperty("raft.data-dir");
    // Not the working directory: a full data filesystem must show here.
    assertThat(bean(DataDiskSpaceHealthIndicator.class).directory())
        .isEqualTo(java.nio.file.Path.of(dataDir).toAbsolutePath());
    assertThat(json("/actuator/health").toString()).doesNotContain(dataDir);
  }

  @Test
  void livenessFollowsTheEventLoopAndReadinessTheLeader() {
    HttpResponse<String> live = send("GET", "/actuator/health/liveness", null);
    assertThat(live.statusCode()).isEqualTo(200);
    JsonNode loop = json("/actuator/health/liveness").path("components").path("raftLoop");
    assertThat(loop.path("status").asText()).isEqualTo("UP");
    long first = loop.path("details").path("loopIterations").asLong();
    org.awaitility.Awaitility.await()
        .until(
            () ->
                json("/actuator/health/liveness")
                        .path("components")
                        .path("raftLoop")
                        .path("details")
                        .path("loopIterations")
                        .asLong()
                    > first);
    // liveness never looks at Raft state
    assertThat(json("/actuator/health/liveness").path("components").has("raft")).isFalse();
    assertThat(json("/actuator/health/liveness").path("components").has("raftReady")).isFalse();

    HttpResponse<String> ready = send("GET", "/actuator/health/readiness", null);
    assertThat(ready.statusCode()).isEqualTo(200);
    JsonNode rr = json("/actuator/health/readiness").path("components").path("raftReady");
    assertThat(rr.path("status").asText()).isEqualTo("UP");
    assertThat(rr.path("details").path("leader").asText()).isEqualTo("n1");
  }

  @Test
  void infoGivesNodeIdVersionAndMembers() {
    JsonNode kv = json("/actuator/info").path("kvraft");
    assertThat(kv.path("nodeId").asText()).isEqualTo("n1");
    assertThat(kv.path("version").asText()).isEqualTo("0.1.0-SNAPSHOT");
    // a single node without raft.peers lists itself at its configured server.port (0 here: a random
    // port)
    assertThat(kv.path("members").path("n1").asText()).startsWith("http://127.0.0.1:");
  }

  @Test
  void prometheusScrapeHasRaftAndHttpMetricsThatMove() {
    Map<String, Double> before = scrape();
    assertThat(before)
        .containsKeys(
            "raft_term",
            "raft_commit_index",
            "raft_applied_index",
            "raft_last_index",
            "raft_role{role=\"LEADER\"}",
            "raft_role{role=\"FOLLOWER\"}",
            "raft_healthy",
            "raft_leader_changes_total",
            "raft_elections_total",
            "raft_proposals_total",
            "raft_readindex_rounds_total",
            "raft_log_fsync_seconds_count",
            "raft_log_fsync_seconds_sum",
            "raft_log_fsync_seconds_max",
            "raft_log_append_seconds_count",
            "raft_log_size_bytes",
            "raft_loop_iterations_total",
            "raft_forwarded_requests_total{outcome=\"relayed\"}",
            "raft_snapshot_taken_total",
            "raft_snapshot_installed_total",
            "raft_snapshot_sent_total",
            "raft_snapshot_sent_bytes_total",
            "raft_snapshot_duration_seconds_count",
            "raft_snapshot_duration_seconds_sum",
            "raft_snapshot_last_index",
            "raft_snapshot_size_bytes");
    assertThat(before.get("raft_role{role=\"LEADER\"}")).isEqualTo(1.0);
    assertThat(before.get("raft_term")).isGreaterThanOrEqualTo(1.0);
    assertThat(before.get("raft_elections_total")).isGreaterThanOrEqualTo(1.0);
    assertThat(before.get("raft_leader_changes_total")).isGreaterThanOrEqualTo(1.0);
    assertThat(before.keySet()).anyMatch(k -> k.startsWith("raft_log_fsync_seconds_bucket{"));

    for (int i = 0; i < 5; i++) {
      assertThat(send("PUT", "/kv/metrics-" + i, "value-" + i).statusCode()).isEqualTo(204);
    }
    assertThat(send("GET", "/kv/metrics-0", null).statusCode()).isEqualTo(200);

    Map<String, Double> after = scrape();
    for (String moved :
        new String[] {
          "raft_commit_index",
          "raft_applied_index",
          "raft_last_index",
          "raft_proposals_total",
          "raft_readindex_rounds_total",
          "raft_log_fsync_seconds_count",
          "raft_log_fsync_seconds_sum",
          "raft_log_append_seconds_count",
          "raft_log_size_bytes",
          "raft_loop_iterations_total"
        }) {
      assertThat(after.get(moved)).as(moved).isGreaterThan(before.get(moved));
    }
    assertThat(after.get("raft_proposals_total") - before.get("raft_proposals_total"))
        .isGreaterThanOrEqualTo(5.0);

    // More than raft.snapshot.threshold-bytes of log makes the node snapshot (a single node never
    // sends or installs).
    String big = "x".repeat(1000);
    for (int i = 0; i < 6; i++) {
      assertThat(send("PUT", "/kv/snapshot-metrics-" + i, big).statusCode()).isEqualTo(204);
    }
    long written =
        json("/actuator/health")
            .path("components")
            .path("raft")
            .path("details")
            .path("commitIndex")
            .asLong();
    org.awaitility.Awaitility.await()
        .untilAsserted(
            () -> {
              Map<String, Double> s = scrape();
              assertThat(s.get("raft_snapshot_taken_total"))
                  .isGreaterThan(before.get("raft_snapshot_taken_total"));
              assertThat(s.get("raft_snapshot_duration_seconds_count"))
                  .isGreaterThan(before.get("raft_snapshot_duration_seconds_count"));
              assertThat(s.get("raft_snapshot_last_index"))
                  .isGreaterThan(before.get("raft_snapshot_last_index"))
                  .isLessThanOrEqualTo((double) written);
              // the log since the last snapshot may have been near the threshold already: a new
              // snapshot holds at least one of the big values
              assertThat(s.get("raft_snapshot_size_bytes")).isGreaterThan(1000.0);
              assertThat(s.get("raft_snapshot_installed_total")).isZero();
            });
    // an async request's observation stops when the servlet container reports it complete, just
    // after the client has its answer
    org.awaitility.Awaitility.await()
        .untilAsserted(
            () ->
                assertThat(scrape().keySet())
                    .anyMatch(
                        k ->
                            k.startsWith("http_server_requests_seconds_count{")
                                && k.contains("method=\"PUT\"")
                                && k.contains("status=\"204\"")));
  }

  /**
   * Parses the Prometheus text format: series (name plus labels, minus the common tags) to value.
   */
  private Map<String, Double> scrape() {
    HttpResponse<String> r = send("GET", "/actuator/prometheus", null);
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Double> out = new HashMap<>();
    Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*\\})?\\s+(\\S+)$");
    for (String l : r.body().split("\n")) {
      if (l.startsWith("#") || l.isBlank()) {
        continue;
      }
      Matcher m = line.matcher(l.trim());
      if (m.matches()) {
        String labels = m.group(2) == null ? "" : stripCommonTags(m.group(2));
        out.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
      }
    }
    return out;
  }

  private static String stripCommonTags(String labels) {
    String inner =
        labels
            .substring(1, labels.length() - 1)
            .replaceAll("application=\"[^\"]*\",?", "")
            .replaceAll("node=\"[^\"]*\",?", "")
            .replaceAll(",$", "");
    return inner.isEmpty() ? "" : "{" + inner + "}";
  }
}
