package io.kvraft.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.testing.SpringCluster;
import java.io.IOException;
import java.time.Duration;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 1 over HTTP, on a real single node with a small {@code kv.max-sessions}: a client
 * whose session was evicted by a flood of registrations gets 410 on its retry, and the value is
 * unchanged (before the fix the retry was applied a second time); a flood against a recently active
 * client is refused with 503 and the client goes on.
 */
class SessionEvictionHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private SpringCluster cluster;

  /** One node that keeps at most four sessions, to be started once it leads. */
  private static SpringCluster.Builder fourSessions() {
    return SpringCluster.builder()
        .nodes(1)
        .property("kv.max-sessions", 4)
        .awaitLeader(Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Sent once: a 503 is what some tests expect, not a reason to retry. */
  private Response call(String method, String path, String body, String... headers)
      throws IOException {
    return cluster.callOnce(method, "n1", path, body, headers);
  }

  private int status(String method, String path, String body, String... headers)
      throws IOException {
    try (Response r = call(method, path, body, headers)) {
      return r.code();
    }
  }

  private String value(String key) throws IOException {
    try (Response r = call("GET", "/kv/" + key, null)) {
      return r.body().string();
    }
  }

  /** POST /sessions: 201, the id in the JSON body and in the Client-Id header. */
  private String register() throws IOException {
    try (Response r = call("POST", "/sessions", null)) {
      assertThat(r.code()).isEqualTo(201);
      assertThat(r.header("Content-Type")).startsWith("application/json");
      String id = JSON.readTree(r.body().string()).get("clientId").asText();
      assertThat(r.header("Client-Id")).isEqualTo(id);
      return id;
    }
  }

  private String appendABAndRetryB() throws IOException {
    String c1 = register();
    assertThat(status("POST", "/kv/log", "A", "Client-Id", c1, "Request-Seq", "1")).isEqualTo(204);
    assertThat(status("POST", "/kv/log", "B", "Client-Id", c1, "Request-Seq", "2")).isEqualTo(204);
    assertThat(status("POST", "/kv/log", "B", "Client-Id", c1, "Request-Seq", "2")).isEqualTo(204);
    assertThat(value("log")).isEqualTo("AB");
    return c1;
  }

  @Test
  void aRetryAfterEvictionIsRefusedWith410AndNotAppliedTwice() throws IOException {
    // No minimum idle time: every registration into the full table evicts the least recently used
    // session.
    cluster = fourSessions().property("kv.session-min-idle", "0s").start();
    String c1 = appendABAndRetryB();
    for (int i = 0; i < 10; i++) {
      register();
    }
    try (Response r = call("POST", "/kv/log", "B", "Client-Id", c1, "Request-Seq", "2")) {
      assertThat(r.code()).isEqualTo(410);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
      JsonNode problem = JSON.readTree(r.body().string());
      assertThat(problem.get("type").asText()).isEqualTo("urn:kvraft:problem:session-expired");
      assertThat(problem.get("title").asText()).isEqualTo("Session Expired");
      assertThat(problem.get("status").asInt()).isEqualTo(410);
      assertThat(problem.get("detail").asText()).contains("NOT applied").contains("POST /sessions");
    }
    assertThat(value("log")).isEqualTo("AB");
    // An id the cluster never issued is refused the same way, whatever its Request-Seq.
    assertThat(status("PUT", "/kv/log", "X", "Client-Id", "made-up", "Request-Seq", "1"))
        .isEqualTo(410);
    assertThat(status("DELETE", "/kv/log", null, "Client-Id", "made-up", "Request-Seq", "9"))
        .isEqualTo(410);
    assertThat(value("log")).isEqualTo("AB");
  }

  @Test
  void aRegistrationFloodAgainstARecentlyActiveClientIsRefusedAndTheClientKeepsWorking()
      throws IOException {
    // The default kv.session-min-idle (5 minutes) protects every session this test uses.
    cluster = fourSessions().start();
    String c1 = appendABAndRetryB();
    for (int i = 0; i < 3; i++) {
      register();
    }
    for (int i = 0; i < 20; i++) {
      try (Response r = call("POST", "/sessions", null)) {
        assertThat(r.code()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isNotNull();
        assertThat(r.header("Client-Id")).isNull();
        JsonNode problem = JSON.readTree(r.body().string());
        assertThat(problem.get("type").asText()).isEqualTo("urn:kvraft:problem:too-many-sessions");
      }
    }
    assertThat(status("POST", "/kv/log", "B", "Client-Id", c1, "Request-Seq", "2")).isEqualTo(204);
    assertThat(status("POST", "/kv/log", "C", "Client-Id", c1, "Request-Seq", "3")).isEqualTo(204);
    assertThat(value("log")).isEqualTo("ABC");
    try (Response r = call("GET", "/sessions", null)) {
      assertThat(r.code()).isEqualTo(405);
      assertThat(r.header("Allow")).isEqualTo("POST, OPTIONS");
    }
  }
}
