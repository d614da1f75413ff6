package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The corners of the {@code /kv} contract (design §3) on a live node, now that {@code
 * KvEndpointFilter} serves it outside Spring MVC: methods MVC used to answer for us (HEAD, OPTIONS,
 * 405), key decoding, listings, problem bodies, and the {@code http.server.requests} series it
 * keeps.
 */
class KvEndpointContractTest extends LiveNodeTestBase {

  @Test
  void putThenGetCarriesTheRevisionAsETagAndTheLeader() {
    HttpResponse<String> put = send("PUT", "/kv/contract/a", "v1");
    assertThat(put.statusCode()).isEqualTo(204);
    String etag = put.headers().firstValue("ETag").orElseThrow();
    assertThat(etag).matches("\"\\d+\"");
    HttpResponse<String> get = send("GET", "/kv/contract/a", null);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.body()).isEqualTo("v1");
    assertThat(get.headers().firstValue("ETag")).contains(etag);
    assertThat(get.headers().firstValue("Content-Type")).contains("application/octet-stream");
    assertThat(get.headers().firstValue("Raft-Leader")).contains("n1");
    HttpResponse<String> stale = send("GET", "/kv/contract/a?consistency=stale", null);
    assertThat(stale.body()).isEqualTo("v1");
  }

  @Test
  void headAnswersLikeGetWithoutABody() {
    send("PUT", "/kv/contract/head", "12345");
    HttpResponse<String> head = send("HEAD", "/kv/contract/head", null);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("Content-Length")).contains("5");
    assertThat(head.headers().firstValue("ETag")).isPresent();
    assertThat(send("HEAD", "/kv/contract/absent-head", null).statusCode()).isEqualTo(404);
  }

  @Test
  void optionsAndUnsupportedMethodsNameWhatIsAllowed() {
    HttpResponse<String> options = send("OPTIONS", "/kv/contract/x", null);
    assertThat(options.statusCode()).isEqualTo(200);
    assertThat(options.headers().firstValue("Allow"))
        .contains("GET, HEAD, PUT, POST, DELETE, OPTIONS");
    HttpResponse<String> patch = send("PATCH", "/kv/contract/x", "v");
    assertThat(patch.statusCode()).isEqualTo(405);
    assertThat(patch.headers().firstValue("Allow"))
        .contains("GET, HEAD, PUT, POST, DELETE, OPTIONS");
    assertProblem(patch, 405);
    HttpResponse<String> putList = send("PUT", "/kv", "v");
    assertThat(putList.statusCode()).isEqualTo(405);
    assertThat(putList.headers().firstValue("Allow")).contains("GET, HEAD, OPTIONS");
    assertThat(send("GET", "/kv/contract/x", null).statusCode()).isEqualTo(404);
  }

  @Test
  void percentEncodedKeysAreDecodedOnce() {
    assertThat(send("PUT", "/kv/contract/with%20space", "s").statusCode()).isEqualTo(204);
    HttpResponse<String> listed = send("GET", "/kv?prefix=contract/with", null);
    assertThat(listed.body()).contains("\"contract/with space\"");
    assertThat(send("GET", "/kv/contract/with%20space", null).body()).isEqualTo("s");
    assertThat(send("PUT", "/kv/contract/%E2%82%AC", "euro").statusCode()).isEqualTo(204);
    assertThat(send("GET", "/kv?prefix=contract/%E2%82%AC", null).body())
        .contains("\"contract/€\"");
  }

  @Test
  void emptyKeyAndBadHeadersAreRejectedAndChangeNothing() {
    assertProblem(send("PUT", "/kv/", "v"), 400);
    assertProblem(send("PUT", "/kv/contract/bad", "v", "If-Match", "not-a-revision"), 400);
    assertProblem(send("PUT", "/kv/contract/bad", "v", "If-None-Match", "\"3\""), 400);
    assertProblem(send("PUT", "/kv/contract/bad", "v", "Client-Id", "c"), 400);
    assertProblem(send("GET", "/kv/contract/bad?consistency=eventual", null), 400);
    assertProblem(send("GET", "/kv?limit=ten", null), 400);
    assertProblem(send("GET", "/kv?limit=0", null), 400);
    // dot segments and ;parameters: the key must be the path as sent, never what the container
    // normalises it to
    assertProblem(send("PUT", "/kv/contract/x/../bad", "v"), 400);
    assertProblem(send("PUT", "/kv/contract/%2e%2e/bad", "v"), 400);
    assertProblem(send("PUT", "/kv/contract/bad;jsessionid=1", "v"), 400);
    assertThat(send("POST", "/actuator/%2e%2e/kv/contract/bad", "v").statusCode()).isEqualTo(404);
    assertProblem(
        send("PUT", "/kv/contract/bad", "v", "If-None-Match", "*", "If-None-Match", "*"), 400);
    assertProblem(
        send(
            "PUT", "/kv/contract/bad", "v", "Client-Id", "a", "Client-Id", "b", "Request-Seq", "1"),
        400);
    // empty parameters take their defaults
    assertThat(send("GET", "/kv?limit=&consistency=", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/kv/contract/bad", null).statusCode()).isEqualTo(404);
  }

  @Test
  void preconditionFailuresCarryTheCurrentRevision() {
    HttpResponse<String> first = send("PUT", "/kv/contract/cas", "1", "If-None-Match", "*");
    assertThat(first.statusCode()).isEqualTo(204);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> again = send("PUT", "/kv/contract/cas", "2", "If-None-Match", "*");
    assertProblem(again, 412);
    assertThat(again.headers().firstValue("ETag")).contains(etag);
    assertThat(send("PUT", "/kv/contract/cas", "2", "If-Match", etag).statusCode()).isEqualTo(204);
    assertProblem(send("DELETE", "/kv/contract/cas", null, "If-Match", etag), 412);
    assertThat(send("GET", "/kv/contract/cas", null).body()).isEqualTo("2");
  }

  @Test
  void listingsPageWithNext() {
    for (int i = 0; i < 5; i++) {
      send("PUT", "/kv/page/k" + i, "v");
    }
    JsonNode first = json("/kv?prefix=page/&limit=2");
    assertThat(first.get("keys")).hasSize(2);
    assertThat(first.get("next").asText()).isEqualTo("page/k1");
    JsonNode rest = json("/kv?prefix=page/&limit=10&startAfter=page/k1");
    assertThat(rest.get("keys")).hasSize(3);
    assertThat(rest.has("next")).isFalse();
  }

  @Test
  void appendAndDeleteWithSessions() throws Exception {
    HttpResponse<String> registered = send("POST", "/sessions", null);
    assertThat(registered.statusCode()).isEqualTo(201);
    assertThat(registered.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    String ct = JSON.readTree(registered.body()).get("clientId").asText();
    assertThat(registered.headers().firstValue("Client-Id")).contains(ct);
    assertThat(
            send("POST", "/kv/contract/log", "a", "Client-Id", ct, "Request-Seq", "1").statusCode())
        .isEqualTo(204);
    // the same request again (a retry) is not applied twice
    assertThat(
            send("POST", "/kv/contract/log", "a", "Client-Id", ct, "Request-Seq", "1").statusCode())
        .isEqualTo(204);
    assertThat(
            send("POST", "/kv/contract/log", "b", "Client-Id", ct, "Request-Seq", "2").statusCode())
        .isEqualTo(204);
    assertThat(send("GET", "/kv/contract/log", null).body()).isEqualTo("ab");
    assertProblem(send("POST", "/kv/contract/log", "c", "Client-Id", ct, "Request-Seq", "0"), 400);
    // older seq: 409; a Client-Id the cluster never issued: 410, nothing applied
    assertProblem(send("POST", "/kv/contract/log", "c", "Client-Id", ct, "Request-Seq", "1"), 409);
    HttpResponse<String> gone =
        send("POST", "/kv/contract/log", "c", "Client-Id", "not-issued", "Request-Seq", "3");
    assertProblem(gone, 410);
    assertThat(JSON.readTree(gone.body()).get("type").asText())
        .isEqualTo("urn:kvraft:problem:session-expired");
    assertThat(send("GET", "/kv/contract/log", null).body()).isEqualTo("ab");
    assertThat(send("OPTIONS", "/sessions", null).headers().firstValue("Allow"))
        .contains("POST, OPTIONS");
    assertProblem(send("DELETE", "/sessions", null), 405);
    assertThat(send("DELETE", "/kv/contract/log", null).statusCode()).isEqualTo(204);
    assertThat(send("GET", "/kv/contract/log", null).statusCode()).isEqualTo(404);
  }

  @Test
  void requestsAreTimedUnderTheUsualMetric() {
    send("PUT", "/kv/contract/metric", "m");
    send("GET", "/kv/contract/metric", null);
    String prom = send("GET", "/actuator/prometheus", null).body();
    assertThat(prom)
        .containsPattern(
            "http_server_requests_seconds_count\\{[^}]*method=\"PUT\"[^}]*status=\"204\"[^}]*uri=\"/kv/\\{key}\"")
        .containsPattern(
            "http_server_requests_seconds_count\\{[^}]*method=\"GET\"[^}]*status=\"200\"[^}]*uri=\"/kv/\\{key}\"")
        .contains("http_server_requests_seconds_bucket{");
  }

  private static void assertProblem(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(r.body())
        .contains("\"status\":" + status)
        .doesNotContain("at io.kvraft")
        .doesNotContain("Exception");
  }
}
