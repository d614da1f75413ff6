package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvraft.generated.ApiClient;
import io.kvraft.generated.ApiException;
import io.kvraft.generated.ApiResponse;
import io.kvraft.generated.api.KvApi;
import io.kvraft.generated.api.SessionsApi;
import io.kvraft.generated.model.KeyPage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Drives a live node with the Java client that openapi-generator (java, library native) generated
 * from the checked-in src/main/openapi/kvraft.yaml during this build.
 */
class GeneratedClientTest extends LiveNodeTestBase {
  private KvApi api;
  private SessionsApi sessions;

  @BeforeEach
  void client() {
    ApiClient c = new ApiClient();
    c.updateBaseUri(base());
    api = new KvApi(c);
    sessions = new SessionsApi(c);
  }

  private static String text(File f) throws IOException {
    return Files.readString(f.toPath(), StandardCharsets.UTF_8);
  }

  @Test
  void putAppendGetCasDelete() throws Exception {
    String session = sessions.registerSession().getClientId();
    ApiResponse<Void> put =
        api.putValueWithHttpInfo("gen-client", "hello", null, null, session, 1L);
    assertThat(put.getStatusCode()).isEqualTo(204);
    String etag = put.getHeaders().get("etag").get(0);
    assertThat(etag).matches("\"\\d+\"");

    api.appendValue("gen-client", ", world", session, 2L);
    ApiResponse<File> got = api.getValueWithHttpInfo("gen-client", null);
    assertThat(got.getStatusCode()).isEqualTo(200);
    assertThat(text(got.getData())).isEqualTo("hello, world");
    String afterAppend = got.getHeaders().get("etag").get(0);
    assertThat(afterAppend).isNotEqualTo(etag);

    // compare-and-set: the stale revision loses with 412 problem+json, the current one wins
    assertThatThrownBy(() -> api.putValue("gen-client", "lost", etag, null, null, null))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(412);
              assertThat(e.getResponseHeaders().firstValue("content-type"))
                  .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
            });
    api.putValue("gen-client", "won", afterAppend, null, null, null);
    assertThat(text(api.getValue("gen-client", "stale"))).isEqualTo("won");
    assertThatThrownBy(() -> api.putValue("gen-client", "again", null, "*", null, null))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(412));

    KeyPage page = api.listKeys("gen-", null, 10, null);
    assertThat(page.getKeys()).contains("gen-client");

    api.deleteValue("gen-client", null, null, null);
    assertThatThrownBy(() -> api.getValue("gen-client", null))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(404);
              assertThat(e.getResponseBody()).contains("\"status\":404");
            });
  }

  @Test
  void invalidRequestsAre400() {
    assertThatThrownBy(() -> api.putValue("k", "v", "not-a-revision", null, null, null))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(400);
              assertThat(e.getResponseBody()).contains("If-Match");
            });
    assertThatThrownBy(() -> api.getValue("k", "sometimes"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(400));
  }

  @Test
  void aRetryWithTheSameSeqIsAppliedOnce() throws Exception {
    ApiResponse<io.kvraft.generated.model.Session> registered =
        sessions.registerSessionWithHttpInfo();
    assertThat(registered.getStatusCode()).isEqualTo(201);
    String session = registered.getData().getClientId();
    assertThat(registered.getHeaders().get("client-id")).containsExactly(session);
    api.appendValue("gen-once", "x", session, 1L);
    api.appendValue("gen-once", "x", session, 1L);
    assertThat(text(api.getValue("gen-once", null))).isEqualTo("x");
  }

  @Test
  void aClientIdWithoutASessionIs410() {
    assertThatThrownBy(() -> api.appendValue("gen-gone", "x", "never-issued", 1L))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(410);
              assertThat(e.getResponseBody()).contains("urn:kvraft:problem:session-expired");
            });
  }
}
