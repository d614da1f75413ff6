package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The checked-in OpenAPI document (the source of every generated client) must equal what the server
 * serves. On drift the served one is written to target/openapi/kvraft.served.yaml: review it, then
 * copy it over src/main/openapi/kvraft.yaml.
 */
class OpenApiDriftTest extends LiveNodeTestBase {
  static final Path CHECKED_IN = Path.of("src/main/openapi/kvraft.yaml");
  private static final YAMLMapper YAML =
      new YAMLMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .disable(YAMLGenerator.Feature.SPLIT_LINES)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

  @Test
  void servedDocumentEqualsTheCheckedInOne() throws IOException {
    HttpResponse<String> r = send("GET", "/v3/api-docs", null);
    assertThat(r.statusCode()).isEqualTo(200);
    ObjectNode served = (ObjectNode) JSON.readTree(r.body());
    assertThat(served.path("openapi").asText()).startsWith("3.0");
    served.remove("servers"); // springdoc adds this request's own http://localhost:<random port>
    Path out = Path.of("target/openapi/kvraft.served.yaml");
    Files.createDirectories(out.getParent());
    YAML.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), served);

    JsonNode checkedIn = YAML.readTree(CHECKED_IN.toFile());
    assertThat(served)
        .as("served /v3/api-docs drifted from %s; the served one is in %s", CHECKED_IN, out)
        .isEqualTo(checkedIn);
  }

  @Test
  void swaggerUiIsServed() {
    HttpResponse<String> r = send("GET", "/swagger-ui/index.html", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Swagger UI");
  }

  @Test
  void theDocumentDescribesTheWholeKvContract() throws IOException {
    JsonNode doc = YAML.readTree(CHECKED_IN.toFile());
    JsonNode key = doc.path("paths").path("/kv/{key}");
    assertThat(key.path("get").path("responses").fieldNames())
        .toIterable()
        .contains("200", "400", "404", "503");
    assertThat(key.path("put").path("responses").fieldNames())
        .toIterable()
        .contains("204", "400", "401", "403", "409", "412", "413", "503");
    assertThat(key.path("get").path("responses").fieldNames())
        .toIterable()
        .contains("401")
        .doesNotContain("403");
    assertThat(doc.at("/components/securitySchemes/bearerAuth/scheme").asText())
        .isEqualTo("bearer");
    assertThat(key.path("put").path("requestBody").path("content").has("application/octet-stream"))
        .isTrue();
    assertThat(key.path("get").path("responses").path("200").path("headers").has("ETag")).isTrue();
    assertThat(
            doc.path("components")
                .path("responses")
                .path("Unavailable")
                .path("content")
                .has("application/problem+json"))
        .isTrue();
    assertThat(doc.path("components").path("parameters").path("ClientId").path("name").asText())
        .isEqualTo("Client-Id");
    assertThat(doc.path("paths").has("/raft/append")).isFalse();
    // sessions: registered with POST /sessions; a write under an id without a live session is 410
    JsonNode register = doc.path("paths").path("/sessions").path("post");
    assertThat(register.path("responses").fieldNames())
        .toIterable()
        .contains("201", "401", "403", "503");
    assertThat(register.at("/responses/201/content/application~1json/schema/$ref").asText())
        .isEqualTo("#/components/schemas/Session");
    for (String method : new String[] {"put", "post", "delete"}) {
      assertThat(key.path(method).path("responses").fieldNames()).toIterable().contains("410");
    }
  }
}
