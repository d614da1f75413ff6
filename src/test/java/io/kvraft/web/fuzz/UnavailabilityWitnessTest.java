package io.kvraft.web.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kvraft.node.MemoryBudget;
import io.kvraft.testing.SpringCluster;
import java.io.IOException;
import java.time.Duration;
import okhttp3.Response;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fuzz oracle's judge of 503s can say no and can say yes: a stable cluster's 503 is reported,
 * one caused by the leader going away is accepted. In a healthy fuzz run neither happens, so
 * without this test the judge would be code that never ran.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UnavailabilityWitnessTest {
  @RegisterExtension
  static final SpringCluster cluster =
      SpringCluster.builder().nodes(3).awaitLeader(Duration.ofSeconds(30)).build();

  private final UnavailabilityWitness witness = new UnavailabilityWitness(cluster);

  @Test
  @Order(1)
  void aStableClustersOverloadThatNoMemberCountedIsReported() throws Exception {
    // Just started, members are still learning who leads, which is itself a visible reason.
    await("every member knows the same leader")
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster.ids().stream().map(id -> cluster.status(id).leader()).distinct().count()
                        == 1
                    && cluster.status(cluster.ids().get(0)).leader() != null);
    String follower = cluster.follower();
    // A follower's relay budget refuses with 503 Overloaded and counts nothing a test can see.
    MemoryBudget budget = cluster.node(follower).getBean(MemoryBudget.class);
    assertThat(budget.tryReserve(budget.maxBytes())).isTrue();
    UnavailabilityWitness.Seen before = witness.now();
    String body;
    try (Response r = cluster.callOnce("PUT", follower, "/kv/witness", "x")) {
      assertThat(r.code()).isEqualTo(503);
      body = r.body().string();
    } finally {
      budget.release(budget.maxBytes());
    }
    assertThat(witness.unexplained(before, body)).contains("Overloaded");
    assertThat(
            witness.unexplained(
                before,
                "{\"type\":\"about:blank\",\"title\":\"No Leader\",\"status\":503,\"detail\":\"x\"}"))
        .as("a No Leader while every member knows the same leader")
        .contains("No Leader");
    assertThat(witness.unexplained(before, "<html>busy</html>")).contains("no problem document");
  }

  @Test
  @Order(2)
  void a503WhileTheLeaderIsGoneIsExplained() throws Exception {
    String leader = cluster.awaitLeader(Duration.ofSeconds(10));
    String follower = cluster.follower();
    UnavailabilityWitness.Seen before = witness.now();
    cluster.stop(leader);
    String body = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (body == null && System.nanoTime() < deadline) {
      try (Response r = cluster.callOnce("PUT", follower, "/kv/witness", "y")) {
        if (r.code() == 503) {
          body = r.body().string();
        }
      } catch (IOException retry) {
        // the follower's relay dropped the connection: ask again
      }
    }
    assertThat(body).as("a 503 while the leader is gone").isNotNull();
    assertThat(witness.unexplained(before, body)).isNull();
  }
}
