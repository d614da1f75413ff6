package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and the Dockerfile checked as documents: every member's peers list names
 * exactly the members, at addresses compose gives them; ports and volumes do not collide; the base
 * is a build argument. The image is built and the cluster run for real by scripts/image-smoke.sh,
 * which CI runs after the tests (it needs root and a Docker daemon of its own).
 */
class ContainerFilesTest {
  @SuppressWarnings("unchecked")
  private static Map<String, Object> compose() throws IOException {
    // SnakeYAML resolves the << merge keys the file uses, as compose does
    return new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
  }

  @SuppressWarnings("unchecked")
  private static <T> T at(Object node, String... path) {
    Object o = node;
    for (String p : path) {
      o = ((Map<String, Object>) o).get(p);
    }
    return (T) o;
  }

  @Test
  void peersPortsAndVolumesAgree() throws IOException {
    Map<String, Object> services = at(compose(), "services");
    assertThat(services).hasSize(3);
    Map<String, String> addressOfId = new LinkedHashMap<>();
    Set<String> hostPorts = new HashSet<>();
    Set<String> volumes = new HashSet<>();
    String peers = null;
    for (var e : services.entrySet()) {
      Object svc = e.getValue();
      Map<String, Object> env = at(svc, "environment");
      String id = String.valueOf(env.get("RAFT_NODE_ID"));
      String host = at(svc, "hostname");
      assertThat(host).isEqualTo(e.getKey());
      addressOfId.put(id, "http://" + host + ":8080");
      peers = peers == null ? (String) env.get("RAFT_PEERS") : peers;
      assertThat(env.get("RAFT_PEERS"))
          .as("every member gets the same peers list")
          .isEqualTo(peers);
      assertThat(String.valueOf(env.get("RAFT_CLUSTER_TOKEN")))
          .startsWith("${KVRAFT_CLUSTER_TOKEN");
      // client tokens are optional: an unset variable must leave them empty (auth off), not fail or
      // invent one
      assertThat(env.get("KV_AUTH_READ_WRITE_TOKENS")).isEqualTo("${KVRAFT_READ_WRITE_TOKENS:-}");
      assertThat(env.get("KV_AUTH_READ_ONLY_TOKENS")).isEqualTo("${KVRAFT_READ_ONLY_TOKENS:-}");

      List<String> ports = at(svc, "ports");
      assertThat(ports).hasSize(1);
      String[] mapping = ports.get(0).split(":");
      assertThat(mapping[1]).isEqualTo("8080");
      assertThat(hostPorts.add(mapping[0])).as("host port %s used twice", mapping[0]).isTrue();

      List<String> mounts = at(svc, "volumes");
      String[] mount = mounts.get(0).split(":");
      assertThat(mount[1]).isEqualTo(env.get("RAFT_DATA_DIR"));
      assertThat(volumes.add(mount[0])).as("volume %s shared", mount[0]).isTrue();

      List<String> check = at(svc, "healthcheck", "test");
      assertThat(String.join(" ", check)).contains("/actuator/health/readiness");
    }
    Map<String, String> listed = new LinkedHashMap<>();
    for (String p : peers.split(",")) {
      String[] kv = p.split("=", 2);
      URI u = URI.create(kv[1]);
      assertThat(u.getPort()).isEqualTo(8080);
      listed.put(kv[0], kv[1]);
    }
    assertThat(listed).isEqualTo(addressOfId);
    Map<String, Object> declared = at(compose(), "volumes");
    assertThat(declared.keySet()).isEqualTo(volumes);
  }

  @Test
  void dockerfileRunsTheLayeredJarAsNonRoot() throws IOException {
    String df = Files.readString(Path.of("Dockerfile"));
    assertThat(df).contains("-Djarmode=tools").contains("extract --layers --launcher");
    for (String layer :
        List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")) {
      assertThat(df).contains("extracted/" + layer + "/");
    }
    String user = df.lines().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
    assertThat(user).doesNotContain("root").isNotEqualTo("USER 0");
    assertThat(df)
        .contains("org.springframework.boot.loader.launch.JarLauncher")
        .contains("EXPOSE 8080");
  }

  /**
   * CI builds the same Dockerfile users build, on a base it makes: the base is a build argument
   * whose default is the public JRE, and every stage starts from it.
   */
  @Test
  void baseImageIsABuildArgumentDefaultingToThePublicJre() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("Dockerfile"));
    List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
    assertThat(froms).hasSize(2).allMatch(l -> l.startsWith("FROM ${BASE_IMAGE}"));
    int arg = lines.indexOf("ARG BASE_IMAGE=eclipse-temurin:17-jre");
    assertThat(arg).as("ARG BASE_IMAGE with its default").isNotNegative();
    assertThat(arg).as("declared before the first FROM").isLessThan(lines.indexOf(froms.get(0)));
  }

  /**
   * target/ holds test clusters and the smoke test's Docker data root: the build context must be
   * the jar alone.
   */
  @Test
  void buildContextIsTheJarAlone() throws IOException {
    List<String> rules =
        Files.readAllLines(Path.of(".dockerignore")).stream()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    assertThat(rules).containsExactly("*", "!target/kvraft.jar");
    assertThat(Files.readString(Path.of("Dockerfile")))
        .contains("COPY target/kvraft.jar ")
        .doesNotContainPattern("COPY (?!target/kvraft.jar |--from=)");
  }

  /**
   * The image, compose and the chart give a node the same JVM options, and compose a limit for the
   * documented heap.
   */
  @Test
  void jvmOptionsAndMemoryLimitMatchTheDocumentedSizing() throws IOException {
    String df = Files.readString(Path.of("Dockerfile"));
    Matcher m = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"").matcher(df);
    assertThat(m.find()).as("JAVA_TOOL_OPTIONS in the Dockerfile").isTrue();
    String options = m.group(1);
    Map<String, Object> values =
        new Yaml().load(Files.readString(Path.of("helm/kvraft/values.yaml")));
    assertThat(values.get("javaOptions")).as("the chart's default").isEqualTo(options);
    Map<String, Object> services = at(compose(), "services");
    for (var e : services.entrySet()) {
      Object limit = at(e.getValue(), "mem_limit");
      assertThat(limit).as("%s mem_limit", e.getKey()).isNotNull();
      assertThat(HeapSizing.heapMib(HeapSizing.mebibytes(String.valueOf(limit)), options))
          .as("%s heap", e.getKey())
          .isGreaterThanOrEqualTo(HeapSizing.RECOMMENDED_HEAP_MIB);
    }
  }

  @Test
  void composeConfigValidatesWhenDockerComposeIsInstalled() throws Exception {
    Path bin =
        List.of("/usr/bin/docker-compose", "/usr/local/bin/docker-compose").stream()
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    org.junit.jupiter.api.Assumptions.assumeTrue(bin != null, "docker-compose not installed");
    ProcessBuilder pb =
        new ProcessBuilder(bin.toString(), "-f", "docker-compose.yml", "config", "-q");
    pb.environment().put("KVRAFT_CLUSTER_TOKEN", "test-token");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }
}
