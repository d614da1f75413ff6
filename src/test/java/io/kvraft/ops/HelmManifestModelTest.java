package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every manifest the chart renders, under each of its options, read into fabric8's typed Kubernetes
 * models. A misspelt or misplaced field, which the API server would reject or silently drop, lands
 * in a model's additional properties: none may. And the container serves what the image does: the
 * Dockerfile's port, uid and data directory.
 */
class HelmManifestModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Class<?>> MODELS =
      Map.of(
          "apps/v1/StatefulSet", StatefulSet.class,
          "v1/Service", Service.class,
          "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
          "v1/Secret", Secret.class,
          "v1/ConfigMap", ConfigMap.class);
  // a custom resource with no typed model here; HelmChartTest checks its fields
  private static final Set<String> UNTYPED = Set.of("monitoring.coreos.com/v1/ServiceMonitor");

  static Stream<Map<String, Object>> options() {
    return Stream.of(
        Map.of(),
        Map.of("replicaCount", "5", "clusterToken.value", "t"),
        Map.of(
            "serviceMonitor.enabled", "true",
            "clusterToken.existingSecret", "kv-token",
            "clientAuth.existingSecret", "kv-clients",
            "tls.existingSecret", "kv-tls"));
  }

  @ParameterizedTest
  @MethodSource("options")
  void everyRenderedManifestFitsItsTypedModel(Map<String, Object> values) throws IOException {
    List<JsonNode> docs = HelmChartTest.render(values);
    assertThat(docs).isNotEmpty();
    for (JsonNode doc : docs) {
      String type = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
      if (UNTYPED.contains(type)) {
        continue;
      }
      assertThat(MODELS).as("a typed model for %s", type).containsKey(type);
      Object typed = JSON.treeToValue(doc, MODELS.get(type));
      assertThat(unknownFields(typed, type + " " + doc.at("/metadata/name").asText()))
          .as("fields no Kubernetes model has")
          .isEmpty();
    }
  }

  /** The walk itself finds a misspelt field, so the check above can fail. */
  @Test
  void aMisspeltFieldIsFound() throws IOException {
    JsonNode doc =
        new YAMLMapper()
            .readTree(
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: x}\n"
                    + "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n"
                    + "        - name: c\n          image: i\n          readinesProbe: {}\n");
    assertThat(unknownFields(JSON.treeToValue(doc, StatefulSet.class), "sts"))
        .containsExactly("sts.spec.template.spec.containers[0]: [readinesProbe]");
  }

  @Test
  void theContainerServesWhatTheImageServes() throws IOException {
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    StatefulSet sts =
        JSON.treeToValue(
            HelmChartTest.render(Map.of()).stream()
                .filter(d -> d.path("kind").asText().equals("StatefulSet"))
                .findFirst()
                .orElseThrow(),
            StatefulSet.class);
    Container c = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getImage()).as("the tag compose and the README build").isEqualTo(composeImage());
    assertThat(c.getPorts()).hasSize(1);
    int port = c.getPorts().get(0).getContainerPort();
    assertThat(dockerfile).contains("EXPOSE " + port);
    String portName = c.getPorts().get(0).getName();
    for (var probe : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
      assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo(portName);
    }
    String uid =
        dockerfile.lines().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
    assertThat(uid)
        .isEqualTo(
            "USER "
                + sts.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser()
                + ":"
                + sts.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsGroup());
    String dataDir =
        c.getEnv().stream()
            .filter(e -> e.getName().equals("RAFT_DATA_DIR"))
            .map(EnvVar::getValue)
            .findFirst()
            .orElseThrow();
    assertThat(dockerfile).contains("RAFT_DATA_DIR=" + dataDir).contains("VOLUME " + dataDir);
    assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals(dataDir));
  }

  private static String composeImage() throws IOException {
    return Files.readAllLines(Path.of("docker-compose.yml")).stream()
        .map(String::strip)
        .filter(l -> l.startsWith("image: "))
        .map(l -> l.substring("image: ".length()))
        .findFirst()
        .orElseThrow();
  }

  /** Paths of the fields a model took as additional properties, anywhere in its tree. */
  static List<String> unknownFields(Object model, String path) {
    List<String> found = new ArrayList<>();
    walk(model, path, found);
    return found;
  }

  private static void walk(Object o, String path, List<String> found) {
    if (o instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), path + "[" + i + "]", found);
      }
    } else if (o instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(v, path + "." + k, found));
    } else if (o != null && o.getClass().getName().startsWith("io.fabric8.")) {
      for (Method m : o.getClass().getMethods()) {
        if (m.getParameterCount() != 0
            || !m.getName().startsWith("get")
            || java.lang.reflect.Modifier.isStatic(m.getModifiers())
            || !m.getDeclaringClass().getName().startsWith("io.fabric8.")) {
          continue;
        }
        Object value;
        try {
          value = m.invoke(o);
        } catch (IllegalAccessException | InvocationTargetException e) {
          continue; // derived getters (a Quantity's numerical amount) that do not apply here
        }
        if (m.getName().equals("getAdditionalProperties")) {
          if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
            found.add(path + ": " + extra.keySet());
          }
        } else {
          String field = m.getName().substring(3);
          walk(
              value,
              path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1),
              found);
        }
      }
    }
  }
}
