package io.kvraft.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvraft.client.KvClient;
import io.kvraft.testing.SpringCluster;
import io.kvraft.transport.AddressBook;
import io.kvraft.transport.HttpTransport;
import io.kvraft.transport.SnapshotChunk;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLException;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three nodes with everything on: HTTPS for clients and peers (server.ssl.* with a self-signed
 * certificate made by keytool, raft.tls.* trusting it), the cluster token on /raft/* and client
 * tokens on /kv. A follower forwards writes to the leader over TLS with the client's token; whoever
 * lacks the trust store or speaks plain HTTP gets nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureClusterTest {
  private static final MediaType BINARY = MediaType.get("application/octet-stream");
  private static final String CLUSTER_TOKEN = "cluster-s3cret";
  private static final String RW = "Bearer writer-token";
  private static final String RO = "Bearer reader-token";

  @RegisterExtension
  static final SpringCluster cluster =
      SpringCluster.builder()
          .nodes(3)
          .tls()
          .property("raft.cluster-token", CLUSTER_TOKEN)
          .property("kv.auth.read-write-tokens", "writer-token")
          .property("kv.auth.read-only-tokens", "reader-token")
          .awaitLeader(Duration.ofSeconds(60))
          .build();

  private String leader() {
    return cluster.leader();
  }

  private String url(String scheme, String id, String path) {
    return scheme + "://127.0.0.1:" + cluster.port(id) + path;
  }

  /** Over HTTPS, re-sent while the answer is 503 (an election may happen on a loaded machine). */
  private Response call(String method, String id, String path, String body, String... headers)
      throws IOException {
    return cluster.call(method, id, path, body, headers);
  }

  private double relayedBy(String id) {
    var c =
        cluster
            .node(id)
            .getBean(MeterRegistry.class)
            .find("raft.forwarded.requests")
            .tag("outcome", "relayed")
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aFollowerForwardsATokenHoldersWriteOverTlsAndAnotherReadsItLinearizably()
      throws IOException {
    String leader = leader();
    String[] followers =
        cluster.ids().stream().filter(id -> !id.equals(leader)).toArray(String[]::new);
    String via = followers[0];
    double relayedBefore = relayedBy(via);
    String session;
    try (Response r = call("POST", via, "/sessions", "", "Authorization", RW)) {
      // registered through the follower, relayed to the leader over TLS with the client's token
      assertThat(r.code()).isEqualTo(201);
      session = r.header("Client-Id");
      assertThat(session).isNotBlank();
    }
    try (Response r =
        call(
            "PUT",
            via,
            "/kv/tls/k",
            "over-tls",
            "Authorization",
            RW,
            "Client-Id",
            session,
            "Request-Seq",
            "1")) {
      assertThat(r.code()).isEqualTo(204);
      assertThat(r.header("ETag")).matches("\"\\d+\"");
    }
    if (leader.equals(leader())) {
      // the write went follower -> leader over TLS, carrying the client's token, and the leader
      // accepted it
      assertThat(relayedBy(via)).isGreaterThan(relayedBefore);
    }
    try (Response r = call("GET", followers[1], "/kv/tls/k", null, "Authorization", RO)) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("over-tls");
    }
    try (Response r = call("GET", followers[1], "/kv?prefix=tls/", null, "Authorization", RO)) {
      assertThat(r.body().string()).contains("\"tls/k\"");
    }
  }

  @Test
  void aFollowerRefusesAReadOnlyOrMissingTokenBeforeForwarding() throws IOException {
    String leader = leader();
    String follower =
        cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    try (Response r = call("PUT", follower, "/kv/tls/ro", "no", "Authorization", RO)) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }
    try (Response r = call("PUT", follower, "/kv/tls/ro", "no")) {
      assertThat(r.code()).isEqualTo(401);
      assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"kvraft\"");
    }
    try (Response r = call("GET", leader, "/kv/tls/ro", null, "Authorization", RW)) {
      assertThat(r.code()).isEqualTo(404);
    }
  }

  @Test
  void theJavaClientWorksWithATokenAndTheTrustStore() {
    KvClient.HttpOptions options =
        KvClient.HttpOptions.defaults()
            .withBearerToken("writer-token")
            .withTrustStore(cluster.certificates().trust());
    try (KvClient client = KvClient.http(cluster.urls(), Duration.ofSeconds(60), options)) {
      client.put("tls/client", "a");
      client.append("tls/client", "b");
      assertThat(client.getString("tls/client")).isEqualTo("ab");
    }
  }

  @Test
  void plainHttpToTheHttpsPortGetsNothing() {
    OkHttpClient plain = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
    Request get =
        new Request.Builder()
            .url(url("http", leader(), "/kv/tls/k"))
            .header("Authorization", RW)
            .build();
    try (Response r = plain.newCall(get).execute()) {
      // Tomcat answers a plaintext request on a TLS port with 400 and no content of ours
      assertThat(r.code()).isEqualTo(400);
      assertThat(r.header("ETag")).isNull();
      assertThat(r.body().string()).doesNotContain("over-tls");
    } catch (IOException refused) {
      // or closes the connection
    }
  }

  @Test
  void clientsAndPeersWithoutTheTrustStoreFailTheHandshake() throws IOException {
    String target = leader();
    Request get =
        new Request.Builder()
            .url(url("https", target, "/kv/tls/k"))
            .header("Authorization", RO)
            .build();
    OkHttpClient untrusting =
        new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
    assertThatThrownBy(() -> untrusting.newCall(get).execute().close())
        .isInstanceOf(SSLException.class);

    // A peer's transport built the way a node without raft.tls.* builds it cannot deliver a /raft
    // call... From a stranger, so a node that receives it answers 403 and nothing else happens.
    SnapshotChunk probe = new SnapshotChunk("stranger", target, 1, 1, 1, 0, 0, new byte[0]);
    AddressBook peerUrls = new AddressBook("stranger", Map.of(target, url("https", target, "")));
    try (HttpTransport noTrust =
        new HttpTransport(
            peerUrls, CLUSTER_TOKEN, Duration.ofSeconds(5), 10, 1 << 20, 1 << 20, null)) {
      assertThatThrownBy(() -> noTrust.sendSnapshotChunk(probe, Duration.ofSeconds(5)))
          .isInstanceOf(SSLException.class);
    }
    // ...while the same call with the trust store gets through TLS and is judged by the node.
    try (HttpTransport trusting =
        new HttpTransport(
            peerUrls,
            CLUSTER_TOKEN,
            Duration.ofSeconds(5),
            10,
            1 << 20,
            1 << 20,
            cluster.certificates().trust())) {
      assertThatThrownBy(() -> trusting.sendSnapshotChunk(probe, Duration.ofSeconds(5)))
          .isNotInstanceOf(SSLException.class)
          .hasMessageContaining("answered 403");
    }
  }
}
