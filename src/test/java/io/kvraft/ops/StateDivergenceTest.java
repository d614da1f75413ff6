package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.kv.SnapshotForger;
import io.kvraft.kv.Versioned;
import io.kvraft.raft.log.SnapshotStore;
import io.kvraft.testing.SpringCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import okhttp3.Response;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three real members compare their state hashes (issue 14, item 2): healthy members agree; a member
 * restarted from a snapshot forged so that every checksum passes but one value differs finds itself
 * diverged, goes unready and answers 503 state-diverged, while the two others go on serving and
 * name it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StateDivergenceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final SpringCluster cluster =
      SpringCluster.builder()
          .nodes(3)
          .divergesOnPurpose()
          .property("raft.tick-interval", "20ms")
          .property("raft.snapshot.threshold-bytes", 1500)
          .property("kv.hash-check.interval", "200ms")
          .awaitReady(Duration.ofSeconds(60))
          .build();

  private static JsonNode json(String id, String path) throws IOException {
    try (Response r = cluster.callOnce("GET", id, path, null)) {
      return JSON.readTree(r.body().string());
    }
  }

  private static JsonNode stateHashHealth(String id) throws IOException {
    return json(id, "/actuator/health").path("components").path("stateHash");
  }

  @Test
  @Order(1)
  void healthyMembersHoldTheSameHashAtTheSameIndexAndSaySo() throws IOException {
    // Written once, before any snapshot: later writes cannot repair a forged copy of it.
    try (Response r = cluster.call("PUT", cluster.leader(), "/kv/stable", "original")) {
      assertThat(r.code()).isEqualTo(204);
    }
    for (int i = 0; i < 60; i++) {
      try (Response r = cluster.call("PUT", cluster.leader(), "/kv/key" + i % 7, "value-" + i)) {
        assertThat(r.code()).isEqualTo(204);
      }
    }
    cluster.awaitApplied(Duration.ofSeconds(30));
    Set<String> hashes = new HashSet<>();
    long index = json(cluster.leader(), "/actuator/hash").path("index").asLong();
    for (String id : cluster.ids()) {
      // A follower learns the last commit with the next heartbeat.
      JsonNode at =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> json(id, "/actuator/hash?index=" + index), j -> j.has("hash"));
      assertThat(at.path("index").asLong()).as("%s: %s", id, at).isEqualTo(index);
      hashes.add(at.path("hash").asText());
    }
    assertThat(hashes).hasSize(1);
    assertThat(hashes.iterator().next()).matches("[0-9a-f]{16}");
    for (String id : cluster.ids()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                JsonNode h = stateHashHealth(id);
                assertThat(h.path("status").asText()).isEqualTo("UP");
                assertThat(h.path("details").path("lastComparison").asText()).isEqualTo("AGREE");
              });
    }
  }

  @Test
  @Order(2)
  void anIndexNotKeptIs404AndSaysWhatIsKept() throws IOException {
    try (Response r =
        cluster.callOnce("GET", cluster.leader(), "/actuator/hash?index=999999999", null)) {
      assertThat(r.code()).isEqualTo(404);
      assertThat(r.body().string()).contains("is not kept").contains("\"oldest\"");
    }
  }

  @Test
  @Order(3)
  void aMemberRestartedFromAForgedSnapshotStopsServingAndTheOthersNameIt() throws IOException {
    String victim = cluster.follower();
    Path dataDir = cluster.dataRoot().resolve(victim);
    await().atMost(Duration.ofSeconds(30)).until(() -> hasSnapshot(dataDir));
    cluster.stop(victim);
    SnapshotForger.forgeNewest(
        dataDir,
        s ->
            s.data.put(
                "stable",
                new Versioned(
                    "forged".getBytes(StandardCharsets.UTF_8), s.data.get("stable").revision())));
    cluster.start(victim);

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              JsonNode h = stateHashHealth(victim);
              assertThat(h.path("status").asText()).isEqualTo("DOWN");
              assertThat(h.path("details").path("diverged").asText())
                  .contains("this member's state hash is");
            });
    try (Response r = cluster.callOnce("GET", victim, "/actuator/health/readiness", null)) {
      assertThat(r.code()).isEqualTo(503);
    }
    for (String path : new String[] {"/kv/stable", "/kv?prefix=key"}) {
      try (Response r = cluster.callOnce("GET", victim, path, null)) {
        assertThat(r.code()).isEqualTo(503);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.body().string()).contains("urn:kvraft:problem:state-diverged");
      }
    }
    for (String id : cluster.ids()) {
      if (id.equals(victim)) {
        continue;
      }
      try (Response r = cluster.call("GET", id, "/kv/stable", null)) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string()).isEqualTo("original");
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                JsonNode h = stateHashHealth(id);
                assertThat(h.path("status").asText()).isEqualTo("UP");
                assertThat(h.path("details").path("lastComparison").asText())
                    .isEqualTo("OTHERS_DIFFER");
                assertThat(h.path("details").path("membersDiffering").toString()).contains(victim);
              });
    }
    try (Response r = cluster.callOnce("GET", victim, "/actuator/prometheus", null)) {
      assertThat(r.body().string())
          .contains("kvraft_state_diverged{")
          .containsPattern("kvraft_state_diverged\\{[^}]*} 1\\.0");
    }
  }

  private static boolean hasSnapshot(Path dataDir) throws IOException {
    Path dir = dataDir.resolve(SnapshotStore.DIR_NAME);
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(p -> p.getFileName().toString().endsWith(".snap"));
    }
  }
}
