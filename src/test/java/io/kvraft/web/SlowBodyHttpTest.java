package io.kvraft.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kvraft.testing.SpringCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 5, over real HTTP on one node with a small container thread pool (8): request
 * bodies that trickle in must not hold a container thread each, so any number of slow senders leave
 * other clients, the health endpoint and the Raft endpoints served; a body not complete within
 * kv.body-read-timeout is answered 408 and not applied; a slow body that completes in time is
 * applied.
 */
class SlowBodyHttpTest {
  private static final int THREADS = 8;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /**
   * One node with THREADS container threads and the given body deadline, to be started once it has
   * applied its first entry.
   */
  private static SpringCluster.Builder node(String bodyReadTimeout) {
    return SpringCluster.builder()
        .nodes(1)
        .property("server.tomcat.threads.max", THREADS)
        .property("server.tomcat.threads.min-spare", THREADS)
        .property("kv.body-read-timeout", bodyReadTimeout)
        .awaitApplied(Duration.ofSeconds(30));
  }

  private HttpResponse<String> send(int port, String method, String path, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void manySlowSendersLeaveWritesHealthAndRaftEndpointsServed() throws Exception {
    // A deadline far beyond the test, so what keeps others served is not slow senders being cut
    // off.
    try (SpringCluster cluster = node("120s").start();
        SlowSender.Flood flood =
            new SlowSender.Flood(
                cluster.port("n1"),
                4 * THREADS,
                1_000_000,
                Duration.ofMillis(500),
                List.of(
                    new String[] {"PUT", "/kv/slow"},
                    new String[] {"POST", "/kv/slow"},
                    new String[] {"POST", "/raft/append"}));
        // Peer streams hold a thread each by design: those past the bound (a quarter of the
        // threads) are refused,
        // and the refused ones' bodies are not drained on a container thread.
        SlowSender.Flood streams =
            new SlowSender.Flood(
                cluster.port("n1"),
                THREADS,
                1_000_000,
                Duration.ofMillis(500),
                List.<String[]>of(new String[] {"POST", "/raft/stream/append"}))) {
      int port = cluster.port("n1");
      for (int i = 0; i < 2 * THREADS; i++) {
        HttpResponse<String> put = send(port, "PUT", "/kv/fast-" + i, "v" + i);
        assertThat(put.statusCode()).as("PUT %d while slow bodies trickle", i).isEqualTo(204);
      }
      assertThat(send(port, "GET", "/kv/fast-3", null).body()).isEqualTo("v3");
      assertThat(send(port, "GET", "/actuator/health", null).statusCode()).isEqualTo(200);
      assertThat(send(port, "GET", "/actuator/health/liveness", null).statusCode()).isEqualTo(200);
      // A Raft endpoint still gets a thread: an empty batch is refused at once as malformed, not
      // left waiting.
      HttpResponse<String> raft =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/raft/vote"))
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "application/octet-stream")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1}))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(raft.statusCode()).isEqualTo(400);
      assertThat(flood.reopened()).as("no slow sender was cut off").isZero();
    }
  }

  @Test
  void bodiesPastTheBudgetAre503OverloadedUntilTheBytesHeldAreGiven() throws Exception {
    try (SpringCluster cluster = node("3s").property("kv.body-budget-bytes", 8192).start();
        SlowSender holder = SlowSender.open(cluster.port("n1"), "PUT", "/kv/held", 100_000)) {
      int port = cluster.port("n1");
      // 4000 bytes arrived of a promised 100000: the buffer holds 4 KiB of the 8 KiB budget.
      assertThat(holder.send(new byte[4000])).isTrue();
      String big = "b".repeat(6000);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                HttpResponse<String> refused = send(port, "PUT", "/kv/big", big);
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(refused.body())
                    .contains("urn:kvraft:problem:overloaded", "\"title\":\"Overloaded\"");
              });
      assertThat(send(port, "GET", "/kv/big", null).statusCode())
          .as("nothing was applied")
          .isEqualTo(404);
      assertThat(holder.awaitAnswer(Duration.ofSeconds(20)).status()).isEqualTo(408);
      assertThat(send(port, "PUT", "/kv/big", big).statusCode())
          .as("the held bytes were given back")
          .isEqualTo(204);
    }
  }

  @Test
  void aBodyNotCompleteWithinTheDeadlineIs408AndNotAppliedWhileASlowCompleteOneIsApplied()
      throws Exception {
    try (SpringCluster cluster = node("3s").property("kv.body-budget-bytes", 8192).start()) {
      int port = cluster.port("n1");
      // In time: ten bytes, one every 100 ms, well inside the 3 s deadline.
      try (SlowSender slow = SlowSender.open(port, "PUT", "/kv/in-time", 10)) {
        for (byte b : "0123456789".getBytes(StandardCharsets.US_ASCII)) {
          assertThat(slow.send(new byte[] {b})).isTrue();
          Thread.sleep(100);
        }
        assertThat(slow.awaitAnswer(Duration.ofSeconds(20)).status()).isEqualTo(204);
      }
      assertThat(send(port, "GET", "/kv/in-time", null).body()).isEqualTo("0123456789");

      // Too late: three bytes of a promised ten, then nothing more.
      try (SlowSender stalled = SlowSender.open(port, "PUT", "/kv/too-late", 10)) {
        assertThat(stalled.send("abc".getBytes(StandardCharsets.US_ASCII))).isTrue();
        SlowSender.Answer answer = stalled.awaitAnswer(Duration.ofSeconds(20));
        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.headers())
            .contains("content-type: application/problem+json", "connection: close");
        assertThat(answer.body()).contains("\"status\":408").doesNotContain("Exception", "java.");
      }
      // A trickle that keeps sending is cut off at the deadline just the same.
      try (SlowSender trickle = SlowSender.open(port, "POST", "/kv/too-late", 1_000_000)) {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < until && trickle.send(new byte[] {'x'})) {
          Thread.sleep(200);
        }
        assertThat(trickle.send(new byte[] {'x'})).as("the server closed the connection").isFalse();
      }
      assertThat(send(port, "GET", "/kv/too-late", null).statusCode())
          .as("nothing was applied")
          .isEqualTo(404);
    }
  }
}
