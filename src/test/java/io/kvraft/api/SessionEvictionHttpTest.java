package io.kvraft.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.KvraftApplication;
import io.kvraft.TestPorts;
import io.kvraft.node.RaftNode;
import io.kvraft.raft.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue 12 item 1 over HTTP, on a real single node with a small {@code kv.max-sessions}: a client
 * whose session was evicted by a flood of registrations gets 410 on its retry, and the value is
 * unchanged (before the fix the retry was applied a second time); a flood against a recently active
 * client is refused with 503 and the client goes on.
 */
class SessionEvictionHttpTest {
  private static final MediaType BINARY = MediaType.get("application/octet-stream");
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dataDir;
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build();
  private ConfigurableApplicationContext node;
  private int port;

  private void start(String... extra) {
    port = TestPorts.reserve();
    String[] args = new String[6 + extra.length];
    args[0] = "--server.port=" + port;
    args[1] = "--raft.node-id=n1";
    args[2] = "--raft.peers=n1=http://127.0.0.1:" + port;
    args[3] = "--raft.data-dir=" + dataDir;
    args[4] = "--spring.main.banner-mode=off";
    args[5] = "--logging.level.root=WARN";
    System.arraycopy(extra, 0, args, 6, extra.length);
    node = new SpringApplicationBuilder(KvraftApplication.class).run(args);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> node.getBean(RaftNode.class).status().role() == Role.LEADER);
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private Response call(String method, String path, String body, String... headers)
      throws IOException {
    Request.Builder b = new Request.Builder().url("http://127.0.0.1:" + port + path);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    RequestBody rb =
        body == null
            ? (method.equals("POST") ? RequestBody.create(new byte[0], null) : null)
            : RequestBody.create(body.getBytes(StandardCharsets.UTF_8), BINARY);
    b.method(method, rb);
    return http.newCall(b.build()).execute();
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
    start("--kv.max-sessions=4", "--kv.session-min-idle=0s");
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
    start("--kv.max-sessions=4");
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
