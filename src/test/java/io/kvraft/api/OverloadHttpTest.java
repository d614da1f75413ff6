package io.kvraft.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kvraft.node.GatedStorage;
import io.kvraft.node.RaftNode;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.testing.SpringCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * Over real HTTP: a leader whose disk stalls holds raft.max-pending-proposals writes and answers
 * the next one at once with 503, Retry-After and an "Overloaded" problem, counts it in
 * raft_proposals_rejected_total, and completes the held writes once the disk answers.
 */
class OverloadHttpTest {
  /**
   * Registered as a source, not scanned (no @Configuration), so no other test's context picks it
   * up.
   */
  static class StallableDisk {
    @Bean
    @Primary
    GatedStorage gatedStorage(@Qualifier("raftStorage") RaftStorage disk) {
      return new GatedStorage(disk);
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** One node on a disk that can be stalled, to be started once it has applied its first entry. */
  private static SpringCluster.Builder stallableNode() {
    return SpringCluster.builder()
        .nodes(1)
        .sources(StallableDisk.class)
        .awaitApplied(Duration.ofSeconds(30));
  }

  private HttpRequest.Builder request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20));
  }

  @Test
  void writesBeyondTheBoundAre503OverloadedWhileTheHeldOnesCompleteAfterTheDiskAnswers()
      throws Exception {
    try (SpringCluster cluster =
        stallableNode().property("raft.max-pending-proposals", 2).start()) {
      int port = cluster.port("n1");
      RaftNode node = cluster.raft("n1");
      GatedStorage disk = cluster.node("n1").getBean(GatedStorage.class).stall();
      try {
        CompletableFuture<HttpResponse<String>> first =
            http.sendAsync(
                request(port, "/kv/a").PUT(HttpRequest.BodyPublishers.ofString("1")).build(),
                HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> second =
            http.sendAsync(
                request(port, "/kv/b").PUT(HttpRequest.BodyPublishers.ofString("2")).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> node.pendingProposals()[0] == 2);

        HttpResponse<String> refused =
            http.send(
                request(port, "/kv/c").PUT(HttpRequest.BodyPublishers.ofString("3")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.headers().firstValue("Content-Type"))
            .get()
            .asString()
            .startsWith("application/problem+json");
        assertThat(refused.body())
            .contains("\"title\":\"Overloaded\"", "urn:kvraft:problem:overloaded")
            .doesNotContain("Exception", "java.");
        assertThat(first).isNotDone();

        disk.resume();
        assertThat(first.get().statusCode()).isEqualTo(204);
        assertThat(second.get().statusCode()).isEqualTo(204);
      } finally {
        disk.resume();
      }
      HttpResponse<String> c =
          http.send(request(port, "/kv/c").GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(c.statusCode()).as("the refused write changed nothing").isEqualTo(404);
      HttpResponse<String> metrics =
          http.send(
              request(port, "/actuator/prometheus").GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.body()).containsPattern("raft_proposals_rejected_total\\{[^}]*\\} 1\\.0");
    }
  }

  /**
   * Issue 12: the member's memory budget (raft.memory-budget-bytes) refuses a write whose value
   * would pass it, over HTTP as 503 Overloaded with Retry-After, while writes it holds complete
   * once the disk answers.
   */
  @Test
  void aWriteBeyondTheMemoryBudgetIs503OverloadedAndChangesNothing() throws Exception {
    try (SpringCluster cluster =
        stallableNode()
            .property("raft.memory-budget-bytes", 250000)
            // Explicit, so the memory budget is what refuses (by default it would be half the
            // budget).
            .property("raft.max-pending-bytes", 1000000)
            .start()) {
      int port = cluster.port("n1");
      RaftNode node = cluster.raft("n1");
      assertThat(node.memoryBudget())
          .isSameAs(cluster.node("n1").getBean(io.kvraft.node.MemoryBudget.class));
      assertThat(node.memoryBudget().maxBytes()).isEqualTo(250_000);
      GatedStorage disk = cluster.node("n1").getBean(GatedStorage.class).stall();
      String value = "v".repeat(100_000);
      try {
        CompletableFuture<HttpResponse<String>> first =
            http.sendAsync(
                request(port, "/kv/a").PUT(HttpRequest.BodyPublishers.ofString(value)).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> node.pendingProposals()[0] == 1);
        CompletableFuture<HttpResponse<String>> second =
            http.sendAsync(
                request(port, "/kv/b").PUT(HttpRequest.BodyPublishers.ofString(value)).build(),
                HttpResponse.BodyHandlers.ofString());
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> node.pendingProposals()[0] == 2 || second.isDone());
        assertThat(second).as("%s", second.isDone() ? second.get().body() : "").isNotDone();

        HttpResponse<String> refused =
            http.send(
                request(port, "/kv/c").PUT(HttpRequest.BodyPublishers.ofString(value)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.body())
            .contains("urn:kvraft:problem:overloaded", "its budget is 244 KiB");
        assertThat(node.pendingProposals()[0]).isEqualTo(2);

        disk.resume();
        assertThat(first.get().statusCode()).isEqualTo(204);
        assertThat(second.get().statusCode()).isEqualTo(204);
      } finally {
        disk.resume();
      }
      HttpResponse<String> c =
          http.send(request(port, "/kv/c").GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(c.statusCode()).as("the refused write changed nothing").isEqualTo(404);
      assertThat(node.memoryBudget().reservedBytes()).isZero();
    }
  }
}
