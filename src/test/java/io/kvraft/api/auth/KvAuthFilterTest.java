package io.kvraft.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kvraft.client.KvClient;
import io.kvraft.client.KvClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One live node with client tokens configured (kv.auth.*): who may do what on /kv, and what stays
 * open.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "raft.tick-interval=20ms",
      "spring.main.banner-mode=off",
      "kv.auth.read-write-tokens=rw-token-1, rw-token-2",
      "kv.auth.read-only-tokens=ro-token"
    })
@AutoConfigureObservability
class KvAuthFilterTest {
  private static final MediaType BINARY = MediaType.get("application/octet-stream");
  private static final String RW = "Bearer rw-token-1";
  private static final String RO = "Bearer ro-token";
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build();

  @LocalServerPort int port;

  @DynamicPropertySource
  static void dataDir(DynamicPropertyRegistry r) throws IOException {
    Path dir = Files.createTempDirectory("kvraft-auth-test");
    r.add("raft.data-dir", dir::toString);
  }

  @BeforeEach
  void waitForLeader() {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              try (Response r = send("GET", "/actuator/health/readiness", null)) {
                return r.code() == 200;
              }
            });
  }

  private Response send(String method, String path, String body, String... headers) {
    Request.Builder b = new Request.Builder().url("http://127.0.0.1:" + port + path);
    for (int i = 0; i < headers.length; i += 2) {
      b.addHeader(headers[i], headers[i + 1]);
    }
    b.method(
        method,
        body == null ? null : RequestBody.create(body.getBytes(StandardCharsets.UTF_8), BINARY));
    try {
      return http.newCall(b.build()).execute();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertRefused(Response r, int status, String error) throws IOException {
    assertThat(r.code()).isEqualTo(status);
    assertThat(r.header("WWW-Authenticate")).startsWith("Bearer realm=\"kvraft\"");
    if (error != null) {
      assertThat(r.header("WWW-Authenticate")).contains("error=\"" + error + "\"");
    }
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    String body = r.body().string();
    assertThat(body).contains("\"status\":" + status).doesNotContain("Exception");
  }

  private void put(String key, String value) throws IOException {
    try (Response r = send("PUT", "/kv/" + key, value, "Authorization", RW)) {
      assertThat(r.code()).isEqualTo(204);
    }
  }

  @Test
  void withoutATokenEveryKvRequestIs401WithAChallenge() throws IOException {
    put("secret", "s3");
    for (String[] req :
        new String[][] {
          {"GET", "/kv/secret"},
          {"GET", "/kv?prefix="},
          {"GET", "/kv"},
          {"GET", "/kv/secret?consistency=stale"},
          {"PUT", "/kv/secret"},
          {"POST", "/kv/secret"},
          {"DELETE", "/kv/secret"},
          {"POST", "/sessions"}
        }) {
      String body = req[0].equals("PUT") || req[0].equals("POST") ? "x" : null;
      try (Response r = send(req[0], req[1], body)) {
        assertRefused(r, 401, null);
        assertThat(r.header("WWW-Authenticate"))
            .as("no error code when no credentials were sent")
            .isEqualTo("Bearer realm=\"kvraft\"");
      }
    }
    try (Response r = send("GET", "/kv/secret", null, "Authorization", RO)) {
      assertThat(r.body().string()).as("nothing changed").isEqualTo("s3");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Bearer wrong",
        "Bearer rw-token-1x",
        "Bearer rw-token",
        "Basic cnctdG9rZW4tMQ==",
        "Bearer",
        "Bearer ",
        "bearer  ",
        "rw-token-1",
        "Bearer rw-token-1 extra"
      })
  void aWrongOrMalformedTokenIs401(String authorization) throws IOException {
    try (Response r = send("GET", "/kv?prefix=", null, "Authorization", authorization)) {
      assertRefused(r, 401, null);
      assertThat(r.header("WWW-Authenticate")).containsAnyOf("invalid_token", "invalid_request");
    }
  }

  @Test
  void twoAuthorizationHeadersAreRefused() throws IOException {
    try (Response r =
        send("GET", "/kv?prefix=", null, "Authorization", "Bearer wrong", "Authorization", RW)) {
      assertRefused(r, 401, "invalid_request");
    }
  }

  @Test
  void theSchemeIsCaseInsensitive() throws IOException {
    try (Response r = send("GET", "/kv?prefix=", null, "Authorization", "bEaReR rw-token-2")) {
      assertThat(r.code()).isEqualTo(200);
    }
  }

  @Test
  void aReadOnlyTokenReadsAndListsButCannotWrite() throws IOException {
    put("ro/k", "before");
    try (Response r = send("GET", "/kv/ro/k", null, "Authorization", RO)) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("before");
    }
    try (Response r = send("GET", "/kv?prefix=ro/", null, "Authorization", RO)) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).contains("\"ro/k\"");
    }
    String session;
    try (Response r = send("POST", "/sessions", "", "Authorization", RW)) {
      assertThat(r.code()).isEqualTo(201);
      session = r.header("Client-Id");
    }
    for (String method : new String[] {"PUT", "POST", "DELETE"}) {
      try (Response r =
          send(
              method,
              "/kv/ro/k",
              method.equals("DELETE") ? null : "after",
              "Authorization",
              RO,
              "Client-Id",
              session,
              "Request-Seq",
              "1")) {
        assertRefused(r, 403, "insufficient_scope");
      }
    }
    // Registering a session goes through the log like a write, so it needs a read-write token too.
    try (Response r = send("POST", "/sessions", "", "Authorization", RO)) {
      assertRefused(r, 403, "insufficient_scope");
    }
    try (Response r = send("GET", "/kv/ro/k", null, "Authorization", RO)) {
      assertThat(r.body().string()).isEqualTo("before");
    }
  }

  @Test
  void aReadWriteTokenDoesEverything() throws IOException {
    for (String rw : new String[] {RW, "Bearer rw-token-2"}) {
      try (Response r = send("PUT", "/kv/rw/k", "a", "Authorization", rw)) {
        assertThat(r.code()).isEqualTo(204);
        assertThat(r.header("ETag")).matches("\"\\d+\"");
      }
      try (Response r = send("POST", "/kv/rw/k", "b", "Authorization", rw)) {
        assertThat(r.code()).isEqualTo(204);
      }
      try (Response r = send("GET", "/kv/rw/k", null, "Authorization", rw)) {
        assertThat(r.body().string()).isEqualTo("ab");
      }
      try (Response r = send("GET", "/kv?prefix=rw/", null, "Authorization", rw)) {
        assertThat(r.body().string()).contains("\"rw/k\"");
      }
      try (Response r = send("DELETE", "/kv/rw/k", null, "Authorization", rw)) {
        assertThat(r.code()).isEqualTo(204);
      }
      try (Response r = send("GET", "/kv/rw/k", null, "Authorization", rw)) {
        assertThat(r.code()).isEqualTo(404);
      }
    }
  }

  /**
   * Spellings of a /kv path that Tomcat or Spring MVC may normalise must not slip past the filter.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/kv;x=1/trick",
        "/kv/./trick",
        "//kv/trick",
        "/kv/trick;jsessionid=1",
        "/kv/",
        "/kv/%74rick"
      })
  void oddSpellingsOfAKvPathNeedATokenToo(String path) throws IOException {
    put("trick", "hidden");
    try (Response r = send("GET", path, null)) {
      assertThat(r.code()).isBetween(400, 499);
      assertThat(r.body().string()).doesNotContain("hidden");
    }
  }

  @Test
  void healthPrometheusApiDocsAndRaftEndpointsDoNotTakeClientTokens() throws IOException {
    try (Response r = send("GET", "/actuator/health", null)) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).contains("\"UP\"");
    }
    try (Response r = send("GET", "/actuator/prometheus", null)) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).contains("raft_term");
    }
    try (Response r = send("GET", "/v3/api-docs", null)) {
      assertThat(r.code()).isEqualTo(200);
    }
    // No cluster token is set here: /raft/* judges the batch (400 for garbage), client auth plays
    // no part.
    try (Response r =
        send("POST", "/raft/heartbeat", "garbage", "Content-Type", "application/octet-stream")) {
      assertThat(r.code()).isEqualTo(400);
      assertThat(r.header("WWW-Authenticate")).isNull();
    }
  }

  @Test
  void theJavaClientSendsItsToken() {
    Map<String, String> urls = Map.of("n1", "http://127.0.0.1:" + port);
    try (KvClient c =
        KvClient.http(
            urls,
            Duration.ofSeconds(20),
            KvClient.HttpOptions.defaults().withBearerToken("rw-token-2"))) {
      c.put("client/k", "v");
      c.append("client/k", "w");
      assertThat(c.getString("client/k")).isEqualTo("vw");
    }
    try (KvClient reader =
        KvClient.http(
            urls,
            Duration.ofSeconds(20),
            KvClient.HttpOptions.defaults().withBearerToken("ro-token"))) {
      assertThat(reader.getString("client/k")).isEqualTo("vw");
      assertThatThrownBy(() -> reader.put("client/k", "x"))
          .isInstanceOfSatisfying(
              KvClientException.class, e -> assertThat(e.status()).isEqualTo(403));
    }
    try (KvClient anonymous = KvClient.http(urls, Duration.ofSeconds(20))) {
      assertThatThrownBy(() -> anonymous.getString("client/k"))
          .isInstanceOfSatisfying(
              KvClientException.class, e -> assertThat(e.status()).isEqualTo(401));
    }
  }
}
