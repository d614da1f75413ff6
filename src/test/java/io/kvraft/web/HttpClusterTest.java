package io.kvraft.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kvraft.client.KvClient;
import io.kvraft.node.NodeStatus;
import io.kvraft.node.RaftNode;
import io.kvraft.testing.SpringCluster;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three real nodes (Spring contexts with Tomcat, HTTP transport and file storage) on loopback,
 * driven the way a user drives them with curl: writes through a follower, linearizable reads
 * through a follower, CAS, delete, and a leader that goes away.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpClusterTest {
  private static final MediaType BINARY = MediaType.get("application/octet-stream");

  @RegisterExtension
  static final SpringCluster cluster =
      SpringCluster.builder()
          .nodes(3)
          // Small enough that the tests' writes snapshot, compact and ship snapshots in several
          // chunks.
          .property("raft.snapshot.threshold-bytes", 1500)
          .property("raft.snapshot.chunk-bytes", 512)
          // No log kept behind a snapshot: a follower that missed a few writes already needs one.
          .property("raft.snapshot.trailing-entries", 0)
          .property("raft.cluster-token", "s3cret")
          .awaitLeader(Duration.ofSeconds(30))
          .build();

  private String leader() {
    return cluster.leader();
  }

  private String follower() {
    return cluster.follower();
  }

  private String url(String id, String path) {
    return cluster.url(id, path);
  }

  private Response call(String method, String id, String path, String body, String... headers)
      throws IOException {
    return cluster.call(method, id, path, body, headers);
  }

  /**
   * POST /sessions on node {@code id}: 201 with the issued id in the body and the Client-Id header.
   */
  private String register(String id) throws IOException {
    try (Response r = call("POST", id, "/sessions", "")) {
      assertThat(r.code()).isEqualTo(201);
      String issued = r.header("Client-Id");
      assertThat(r.body().string()).isEqualTo("{\"clientId\":\"" + issued + "\"}");
      return issued;
    }
  }

  @Test
  @Order(1)
  void writesThroughAFollowerAreReadLinearizablyEverywhere() throws IOException {
    String f = follower();
    try (Response r = call("PUT", f, "/kv/users/1", "alice")) {
      assertThat(r.code()).isEqualTo(204);
      assertThat(r.header("ETag")).matches("\"\\d+\"");
      assertThat(r.header("Raft-Leader")).isIn(cluster.ids());
    }
    try (Response r =
        call("POST", f, "/kv/users/1", "+bob", "Client-Id", register(f), "Request-Seq", "1")) {
      assertThat(r.code()).isEqualTo(204);
    }
    for (String id : cluster.ids()) {
      try (Response r = call("GET", id, "/kv/users/1", null)) {
        assertThat(r.code()).as(id).isEqualTo(200);
        assertThat(r.body().string()).as(id).isEqualTo("alice+bob");
      }
    }
    try (Response r = call("GET", f, "/kv?prefix=users/", null)) {
      assertThat(r.body().string()).contains("\"users/1\"");
    }
  }

  @Test
  void compareAndSetAndDeleteThroughAFollower() throws IOException {
    String f = follower();
    String etag;
    try (Response r = call("PUT", f, "/kv/cas", "v1", "If-None-Match", "*")) {
      assertThat(r.code()).isEqualTo(204);
      etag = r.header("ETag");
    }
    try (Response r = call("PUT", f, "/kv/cas", "again", "If-None-Match", "*")) {
      assertThat(r.code()).isEqualTo(412);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }
    try (Response r = call("PUT", f, "/kv/cas", "v2", "If-Match", "\"1\"")) {
      assertThat(r.code()).isEqualTo(412);
    }
    try (Response r = call("PUT", f, "/kv/cas", "v2", "If-Match", etag)) {
      assertThat(r.code()).isEqualTo(204);
    }
    try (Response r = call("GET", f, "/kv/cas", null)) {
      assertThat(r.body().string()).isEqualTo("v2");
    }
    try (Response r = call("DELETE", f, "/kv/cas", null)) {
      assertThat(r.code()).isEqualTo(204);
    }
    try (Response r = call("GET", f, "/kv/cas", null)) {
      assertThat(r.code()).isEqualTo(404);
    }
  }

  /**
   * Sessions are registered through the log on any member (a follower forwards), issued ids are
   * distinct, and a Client-Id the cluster never issued is refused with 410 on every member, nothing
   * applied.
   */
  @Test
  void sessionsRegisterThroughAnyMemberAndAnUnissuedIdIsRefused() throws IOException {
    String viaFollower = register(follower());
    String viaLeader = register(leader());
    assertThat(viaFollower).isNotEqualTo(viaLeader);
    for (String id : cluster.ids()) {
      try (Response r =
          call("PUT", id, "/kv/unissued", "x", "Client-Id", "never-issued", "Request-Seq", "1")) {
        assertThat(r.code()).as(id).isEqualTo(410);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.body().string()).contains("urn:kvraft:problem:session-expired");
      }
    }
    try (Response r = call("GET", leader(), "/kv/unissued", null)) {
      assertThat(r.code()).isEqualTo(404);
    }
  }

  /**
   * Issue 12: a follower relays a write at once and counts its body against its memory budget while
   * it is relayed; with no room it answers 503 Overloaded itself, and the write reaches nobody.
   */
  @Test
  void aFollowerWithNoRoomInItsMemoryBudgetRefusesToRelay() throws IOException {
    String f = follower();
    io.kvraft.node.MemoryBudget budget = cluster.node(f).getBean(io.kvraft.node.MemoryBudget.class);
    assertThat(budget.tryReserve(budget.maxBytes())).isTrue();
    try (Response r = cluster.callOnce("PUT", f, "/kv/relay-refused", "x")) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.body().string()).contains("urn:kvraft:problem:overloaded", "not relayed");
    } finally {
      budget.release(budget.maxBytes());
    }
    try (Response r = call("GET", leader(), "/kv/relay-refused", null)) {
      assertThat(r.code()).isEqualTo(404);
    }
    try (Response r = call("PUT", f, "/kv/relay-refused", "y")) {
      assertThat(r.code()).isEqualTo(204);
    }
    assertThat(budget.reservedBytes()).as("the relay's reservation came back").isZero();
  }

  @Test
  void retriedWriteWithSameSeqIsAppliedOnce() throws IOException {
    String session = register(follower());
    for (String id : cluster.ids()) {
      try (Response r =
          call("POST", id, "/kv/once", "x", "Client-Id", session, "Request-Seq", "7")) {
        assertThat(r.code()).isEqualTo(204);
      }
    }
    try (Response r = call("GET", follower(), "/kv/once", null)) {
      assertThat(r.body().string()).isEqualTo("x");
    }
  }

  @Test
  void badInputIsA4xxProblemAndChangesNothing() throws IOException {
    try (Response r = call("PUT", follower(), "/kv/bad", "v", "Request-Seq", "1")) {
      assertThat(r.code()).isEqualTo(400);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
      assertThat(r.body().string()).doesNotContain("Exception").doesNotContain("at io.kvraft");
    }
    try (Response r = call("PUT", leader(), "/kv/bad", "v", "If-Match", "not-a-revision")) {
      assertThat(r.code()).isEqualTo(400);
    }
    try (Response r = call("GET", leader(), "/kv/bad?consistency=maybe", null)) {
      assertThat(r.code()).isEqualTo(400);
    }
    try (Response r = call("PUT", leader(), "/kv/" + "k".repeat(1100), "v")) {
      assertThat(r.code()).isEqualTo(400);
    }
    try (Response r = call("PUT", leader(), "/kv/big", "x".repeat((1 << 20) + 1))) {
      assertThat(r.code()).isEqualTo(413);
    }
    try (Response r = call("GET", leader(), "/kv/bad", null)) {
      assertThat(r.code()).isEqualTo(404);
    }
    try (Response r =
        call(
            "POST",
            leader(),
            "/raft/append",
            "garbage",
            "Content-Type",
            "application/octet-stream",
            "Raft-Cluster-Token",
            "s3cret")) {
      assertThat(r.code()).isEqualTo(400);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }
    // A well-formed batch from a stranger is refused, as is a body larger than any member sends.
    byte[] stranger =
        io.kvraft.transport.MessageCodec.encode(
            java.util.List.of(new io.kvraft.raft.Message.Heartbeat("intruder", leader(), 1, 0, 0)));
    Request noToken =
        new Request.Builder()
            .url(url(leader(), "/raft/heartbeat"))
            .post(RequestBody.create(stranger, BINARY))
            .build();
    try (Response r = cluster.client().newCall(noToken).execute()) {
      assertThat(r.code()).isEqualTo(401);
    }
    Request post =
        new Request.Builder()
            .url(url(leader(), "/raft/heartbeat"))
            .header(io.kvraft.transport.HttpTransport.CLUSTER_TOKEN_HEADER, "s3cret")
            .post(RequestBody.create(stranger, BINARY))
            .build();
    try (Response r = cluster.client().newCall(post).execute()) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }
    Request huge =
        new Request.Builder()
            .url(url(leader(), "/raft/append"))
            .header(io.kvraft.transport.HttpTransport.CLUSTER_TOKEN_HEADER, "s3cret")
            .post(RequestBody.create(new byte[70 << 20], BINARY))
            .build();
    try (Response r = cluster.client().newCall(huge).execute()) {
      assertThat(r.code()).isEqualTo(413);
    } catch (IOException closedEarly) {
      // Refusing may also mean closing the connection before the client has sent all of it.
    }
  }

  /**
   * A follower judges a write's key itself instead of relaying it (so a bad key is 400 from any
   * member, even while the leader cannot be reached), and relays a write whatever its Content-Type,
   * which /kv never reads: one with a byte beyond ASCII was refused 400 by followers only (found by
   * the fuzz test).
   */
  @Test
  void aFollowerRefusesABadKeyItselfAndRelaysOnlyWhatTheLeaderReads() throws IOException {
    String f = follower();
    MeterRegistry meters = cluster.node(f).getBean(MeterRegistry.class);
    double relayedBefore = forwarded(meters);
    try (Response r = cluster.callOnce("PUT", f, "/kv/" + "k".repeat(1100), "v")) {
      assertThat(r.code()).isEqualTo(400);
    }
    try (Response r = cluster.callOnce("DELETE", f, "/kv/", null)) {
      assertThat(r.code()).isEqualTo(400);
    }
    assertThat(forwarded(meters)).as("bad keys relayed").isEqualTo(relayedBefore);

    Request odd =
        new Request.Builder()
            .url(url(f, "/kv/odd-type"))
            .headers(
                new okhttp3.Headers.Builder()
                    .addUnsafeNonAscii("Content-Type", "text/plain; charset=\u00ff")
                    .build())
            .put(RequestBody.create("v".getBytes(java.nio.charset.StandardCharsets.UTF_8), null))
            .build();
    try (Response r = cluster.client().newCall(odd).execute()) {
      assertThat(r.code()).isEqualTo(204);
    }
    assertThat(forwarded(meters)).isEqualTo(relayedBefore + 1);
    try (Response r = call("GET", leader(), "/kv/odd-type", null)) {
      assertThat(r.body().string()).isEqualTo("v");
    }
  }

  private static double forwarded(MeterRegistry meters) {
    return meters.find("raft.forwarded.requests").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  /**
   * A follower that was down while the others snapshotted and compacted past everything it has
   * catches up through chunked InstallSnapshot over POST /raft/snapshot, which demands the cluster
   * token like the other /raft paths.
   */
  @Test
  @Order(50)
  void aFollowerBehindTheCompactedLogCatchesUpByInstallSnapshotOverHttp() throws IOException {
    String away = follower();
    cluster.stop(away);
    String value = "";
    String snapper = register(leader());
    for (int i = 0; i < 150; i++) {
      value = "v" + i;
      try (Response r =
          call(
              "PUT",
              leader(),
              "/kv/snap" + (i % 10),
              value,
              "Client-Id",
              snapper,
              "Request-Seq",
              String.valueOf(i + 1))) {
        assertThat(r.code()).isBetween(200, 204);
      }
    }
    RaftNode l = cluster.raft(leader());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> l.latestSnapshot() != null && l.snapshotCounts()[0] >= 2);

    cluster.start(away);
    RaftNode back = cluster.raft(away);
    await().atMost(Duration.ofSeconds(60)).until(() -> back.snapshotCounts()[1] > 0);
    // The same transfer as the metrics show it: installed on the follower, sent by a leader, chunk
    // bytes counted.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(meter(away, "raft.snapshot.installed")).isGreaterThanOrEqualTo(1.0);
              assertThat(sumOverActive("raft.snapshot.sent")).isGreaterThanOrEqualTo(1.0);
              assertThat(sumOverActive("raft.snapshot.sent.bytes"))
                  .isGreaterThanOrEqualTo(back.latestSnapshot().length());
            });
    String expected = value;
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              try (Response r = call("GET", away, "/kv/snap9?consistency=stale", null)) {
                assertThat(r.body().string()).isEqualTo(expected);
              }
            });

    byte[] noToken = new byte[] {1, 2, 3};
    try (Response r =
        cluster
            .client()
            .newCall(
                new Request.Builder()
                    .url(url(away, "/raft/snapshot"))
                    .post(RequestBody.create(noToken, BINARY))
                    .build())
            .execute()) {
      assertThat(r.code()).isEqualTo(401);
    }
  }

  private double meter(String id, String name) {
    return cluster.node(id).getBean(MeterRegistry.class).get(name).counter().count();
  }

  private double sumOverActive(String name) {
    return cluster.ids().stream()
        .filter(cluster::isRunning)
        .mapToDouble(id -> meter(id, name))
        .sum();
  }

  @Test
  @Order(99)
  void theClientSurvivesTheLeaderGoingAway() {
    try (KvClient client = KvClient.http(cluster.urls(), Duration.ofSeconds(60))) {
      for (int i = 0; i < 20; i++) {
        client.append("survivor", "a" + i + ";");
      }
      String old = leader();
      cluster.stop(old);
      for (int i = 20; i < 40; i++) {
        client.append("survivor", "a" + i + ";");
      }
      StringBuilder expected = new StringBuilder();
      for (int i = 0; i < 40; i++) {
        expected.append("a").append(i).append(';');
      }
      assertThat(client.getString("survivor")).isEqualTo(expected.toString());
      cluster.awaitLeader(Duration.ofSeconds(30), old);
      cluster.start(old);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                String l = leader();
                if (l == null) {
                  return false;
                }
                NodeStatus s = cluster.raft(old).status();
                return s.lastApplied() >= cluster.raft(l).status().commitIndex();
              });
      try (Response r = call("GET", old, "/kv/survivor?consistency=stale", null)) {
        assertThat(r.body().string()).isEqualTo(expected.toString());
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }
}
