package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart under helm/kvraft, linted strictly and rendered by the real Helm (helm-java's embedded
 * binary).
 */
class HelmChartTest {
  private static final Path CHART = Path.of("helm/kvraft");
  private static final YAMLMapper YAML = new YAMLMapper();

  @Test
  void lintsStrictly() {
    LintResult r = new Helm(CHART).lint().strict().call();
    assertThat(r.isFailed()).as(String.join("\n", r.getMessages())).isFalse();
  }

  static List<JsonNode> render(Map<String, Object> values) throws IOException {
    var cmd = new Helm(CHART).template().withName("kv").withNamespace("db");
    values.forEach(cmd::set);
    String out = cmd.call();
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(out)) {
      var it = YAML.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && !n.isEmpty()) {
          docs.add(n);
        }
      }
    }
    return docs;
  }

  private static JsonNode only(List<JsonNode> docs, String kind) {
    List<JsonNode> of = docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    assertThat(of).as(kind).hasSize(1);
    return of.get(0);
  }

  private static String sha256(String s) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes()));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.has("value") ? e.path("value").asText() : e.path("valueFrom").toString();
      }
    }
    return null;
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 5})
  void peersFollowReplicaCount(int replicas) throws IOException {
    List<JsonNode> docs = render(Map.of("replicaCount", replicas));
    JsonNode sts = only(docs, "StatefulSet");
    assertThat(sts.at("/spec/replicas").asInt()).isEqualTo(replicas);
    assertThat(sts.at("/spec/podManagementPolicy").asText()).isEqualTo("Parallel");
    assertThat(sts.at("/spec/serviceName").asText()).isEqualTo("kv-peers");
    JsonNode c = sts.at("/spec/template/spec/containers/0");
    String expected =
        IntStream.range(0, replicas)
            .mapToObj(i -> "kv-" + i + "=http://kv-" + i + ".kv-peers:8080")
            .collect(Collectors.joining(","));
    assertThat(env(c, "RAFT_PEERS")).isEqualTo(expected);
    // a member's id is its pod name, which is how RAFT_PEERS names it
    assertThat(env(c, "RAFT_NODE_ID")).contains("metadata.name");
    assertThat(env(c, "RAFT_CLUSTER_TOKEN")).contains("kv-token").contains("cluster-token");

    JsonNode headless =
        docs.stream()
            .filter(
                d ->
                    d.path("kind").asText().equals("Service")
                        && d.at("/metadata/name").asText().equals("kv-peers"))
            .findFirst()
            .orElseThrow();
    assertThat(headless.at("/spec/clusterIP").asText()).isEqualTo("None");
    assertThat(headless.at("/spec/publishNotReadyAddresses").asBoolean()).isTrue();
    assertThat(docs)
        .anyMatch(
            d ->
                d.path("kind").asText().equals("Service")
                    && d.at("/metadata/name").asText().equals("kv"));
  }

  /**
   * The default limit and JVM options give the heap README.md recommends, with the flags it
   * explains.
   */
  @Test
  void memoryLimitAndJvmOptionsMatchTheDocumentedSizing() throws IOException {
    JsonNode c = only(render(Map.of()), "StatefulSet").at("/spec/template/spec/containers/0");
    String limit = c.at("/resources/limits/memory").asText();
    assertThat(c.at("/resources/requests/memory").asText()).as("request = limit").isEqualTo(limit);
    String options = env(c, "JAVA_TOOL_OPTIONS");
    assertThat(HeapSizing.heapMib(HeapSizing.mebibytes(limit), options))
        .isGreaterThanOrEqualTo(HeapSizing.RECOMMENDED_HEAP_MIB);
    assertThat(options).contains("-XX:+UseG1GC").contains("-XX:+ExitOnOutOfMemoryError");
    assertThat(HeapSizing.heapMib(HeapSizing.mebibytes("2Gi"), options)).isEqualTo(1536);
  }

  @Test
  void probesPvcPdbSecurityAndToken() throws IOException {
    List<JsonNode> docs = render(Map.of());
    JsonNode sts = only(docs, "StatefulSet");
    JsonNode c = sts.at("/spec/template/spec/containers/0");
    assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/actuator/health/liveness");
    assertThat(c.at("/readinessProbe/httpGet/path").asText())
        .isEqualTo("/actuator/health/readiness");
    assertThat(c.at("/startupProbe/httpGet/path").asText()).isEqualTo("/actuator/health/liveness");
    assertThat(c.at("/startupProbe/failureThreshold").asInt())
        .isGreaterThan(c.at("/livenessProbe/failureThreshold").asInt());
    assertThat(c.at("/resources/requests/memory").asText()).isNotEmpty();
    assertThat(c.at("/resources/limits/memory").asText()).isNotEmpty();
    assertThat(env(c, "RAFT_DATA_DIR")).isEqualTo("/var/lib/kvraft");
    assertThat(c.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/var/lib/kvraft");

    JsonNode pod = sts.at("/spec/template/spec/securityContext");
    assertThat(pod.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.path("runAsUser").asInt()).isPositive();
    assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(c.at("/securityContext/capabilities/drop/0").asText()).isEqualTo("ALL");

    JsonNode pvc = sts.at("/spec/volumeClaimTemplates/0");
    assertThat(pvc.at("/metadata/name").asText()).isEqualTo("data");
    assertThat(pvc.at("/spec/accessModes/0").asText()).isEqualTo("ReadWriteOnce");
    assertThat(pvc.at("/spec/resources/requests/storage").asText()).isEqualTo("8Gi");

    JsonNode pdb = only(docs, "PodDisruptionBudget");
    assertThat(pdb.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(pdb.at("/spec/selector/matchLabels"))
        .isEqualTo(sts.at("/spec/selector/matchLabels"));

    JsonNode secret = only(docs, "Secret");
    assertThat(secret.at("/metadata/name").asText()).isEqualTo("kv-token");
    String token =
        new String(java.util.Base64.getDecoder().decode(secret.at("/data/cluster-token").asText()));
    assertThat(token).hasSize(40);
    // the pod template changes with the chart-managed token, so members restart onto the new one
    assertThat(sts.at("/spec/template/metadata/annotations/checksum~1token").asText())
        .isEqualTo(sha256(token).substring(0, 16));

    JsonNode dashboard = only(docs, "ConfigMap");
    JsonNode json = new ObjectMapper().readTree(dashboard.at("/data/kvraft.json").asText());
    assertThat(json.path("panels").size()).isGreaterThan(5);
    assertThat(dashboard.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
    assertThat(docs).noneMatch(d -> d.path("kind").asText().equals("ServiceMonitor"));
  }

  @Test
  void optionalServiceMonitorAndExistingTokenSecret() throws IOException {
    List<JsonNode> docs =
        render(Map.of("serviceMonitor.enabled", true, "clusterToken.existingSecret", "my-token"));
    JsonNode sm = only(docs, "ServiceMonitor");
    assertThat(sm.at("/spec/endpoints/0/path").asText()).isEqualTo("/actuator/prometheus");
    assertThat(docs).noneMatch(d -> d.path("kind").asText().equals("Secret"));
    JsonNode c = only(docs, "StatefulSet").at("/spec/template/spec/containers/0");
    assertThat(env(c, "RAFT_CLUSTER_TOKEN")).contains("my-token");
  }

  @Test
  void clientTokensComeFromAnExistingSecretOnlyWhenOneIsNamed() throws IOException {
    JsonNode plain = only(render(Map.of()), "StatefulSet").at("/spec/template/spec/containers/0");
    assertThat(env(plain, "KV_AUTH_READ_WRITE_TOKENS")).isNull();
    assertThat(env(plain, "KV_AUTH_READ_ONLY_TOKENS")).isNull();

    JsonNode c =
        only(render(Map.of("clientAuth.existingSecret", "kv-clients")), "StatefulSet")
            .at("/spec/template/spec/containers/0");
    for (String[] var :
        new String[][] {
          {"KV_AUTH_READ_WRITE_TOKENS", "read-write-tokens"},
          {"KV_AUTH_READ_ONLY_TOKENS", "read-only-tokens"}
        }) {
      JsonNode ref = envNode(c, var[0]).at("/valueFrom/secretKeyRef");
      assertThat(ref.path("name").asText()).isEqualTo("kv-clients");
      assertThat(ref.path("key").asText()).isEqualTo(var[1]);
      assertThat(ref.path("optional").asBoolean()).as("either list may be left out").isTrue();
    }
  }

  @Test
  void tlsFromAnExistingSecretMakesPeersProbesAndScrapesHttps() throws IOException {
    JsonNode plainSts = only(render(Map.of()), "StatefulSet");
    assertThat(
            plainSts.at("/spec/template/spec/containers/0/readinessProbe/httpGet/scheme").asText())
        .isEqualTo("HTTP");
    assertThat(plainSts.at("/spec/template/spec/volumes").toString()).doesNotContain("tls");

    List<JsonNode> docs =
        render(Map.of("tls.existingSecret", "kv-tls", "serviceMonitor.enabled", true));
    JsonNode sts = only(docs, "StatefulSet");
    JsonNode c = sts.at("/spec/template/spec/containers/0");
    assertThat(env(c, "RAFT_PEERS"))
        .isEqualTo(
            "kv-0=https://kv-0.kv-peers:8080,kv-1=https://kv-1.kv-peers:8080,"
                + "kv-2=https://kv-2.kv-peers:8080");
    assertThat(env(c, "SERVER_SSL_ENABLED")).isEqualTo("true");
    assertThat(env(c, "SERVER_SSL_KEY_STORE")).isEqualTo("/etc/kvraft/tls/keystore.p12");
    assertThat(env(c, "RAFT_TLS_TRUST_STORE")).isEqualTo("/etc/kvraft/tls/truststore.p12");
    for (String pw : List.of("SERVER_SSL_KEY_STORE_PASSWORD", "RAFT_TLS_TRUST_STORE_PASSWORD")) {
      assertThat(envNode(c, pw).at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("kv-tls");
      assertThat(envNode(c, pw).at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("password");
    }
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(c.at("/" + probe + "/httpGet/scheme").asText()).as(probe).isEqualTo("HTTPS");
    }
    JsonNode mount = null;
    for (JsonNode m : c.path("volumeMounts")) {
      if (m.path("mountPath").asText().equals("/etc/kvraft/tls")) {
        mount = m;
      }
    }
    assertThat(mount).isNotNull();
    assertThat(mount.path("readOnly").asBoolean()).isTrue();
    boolean secretVolume = false;
    for (JsonNode v : sts.at("/spec/template/spec/volumes")) {
      secretVolume |=
          v.path("name").asText().equals(mount.path("name").asText())
              && v.at("/secret/secretName").asText().equals("kv-tls");
    }
    assertThat(secretVolume).isTrue();
    assertThat(only(docs, "ServiceMonitor").at("/spec/endpoints/0/scheme").asText())
        .isEqualTo("https");
  }

  private static JsonNode envNode(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("no env " + name);
  }

  @Test
  void theShippedDashboardUsesMetricsTheServerExports() throws IOException {
    String dashboard = Files.readString(CHART.resolve("dashboards/kvraft.json"));
    for (String metric :
        List.of(
            "raft_term",
            "raft_role",
            "raft_commit_index",
            "raft_applied_index",
            "raft_log_fsync_seconds_bucket",
            "raft_log_append_seconds_bucket",
            "raft_log_size_bytes",
            "raft_forwarded_requests_total",
            "raft_proposals_total",
            "raft_readindex_rounds_total",
            "raft_elections_total",
            "raft_leader_changes_total",
            "http_server_requests_seconds_count")) {
      assertThat(dashboard).contains(metric);
    }
  }
}
