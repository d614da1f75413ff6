package io.kvraft.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's bearer token on the wire, and a refusal (401/403) that no other node could change:
 * no retries.
 */
class KvClientAuthTest {
  private final WireMockServer a = new WireMockServer(options().dynamicPort());
  private final WireMockServer b = new WireMockServer(options().dynamicPort());

  @BeforeEach
  void start() {
    for (WireMockServer s : new WireMockServer[] {a, b}) {
      s.start();
      s.stubFor(
          post(urlEqualTo("/sessions"))
              .withHeader("Authorization", equalTo("Bearer good"))
              .willReturn(
                  aResponse()
                      .withStatus(201)
                      .withHeader("Client-Id", "41")
                      .withHeader("Content-Type", "application/json")
                      .withBody("{\"clientId\":\"41\"}")));
      s.stubFor(
          post(urlEqualTo("/sessions"))
              .withHeader("Authorization", absent())
              .willReturn(
                  aResponse()
                      .withStatus(401)
                      .withHeader("WWW-Authenticate", "Bearer realm=\"kvraft\"")
                      .withHeader("Content-Type", "application/problem+json")
                      .withBody("{\"status\":401}")));
      s.stubFor(
          put(urlEqualTo("/kv/k"))
              .withHeader("Authorization", equalTo("Bearer good"))
              .withHeader("Client-Id", equalTo("41"))
              .willReturn(aResponse().withStatus(204).withHeader("ETag", "\"7\"")));
      s.stubFor(
          put(urlEqualTo("/kv/k"))
              .withHeader("Authorization", absent())
              .willReturn(
                  aResponse()
                      .withStatus(401)
                      .withHeader("WWW-Authenticate", "Bearer realm=\"kvraft\"")
                      .withHeader("Content-Type", "application/problem+json")
                      .withBody("{\"status\":401}")));
      s.stubFor(
          get(urlEqualTo("/kv/k"))
              .withHeader("Authorization", equalTo("Bearer good"))
              .willReturn(aResponse().withStatus(200).withHeader("ETag", "\"7\"").withBody("v")));
    }
  }

  @AfterEach
  void stop() {
    a.stop();
    b.stop();
  }

  private Map<String, String> urls() {
    Map<String, String> u = new LinkedHashMap<>();
    u.put("a", a.baseUrl());
    u.put("b", b.baseUrl());
    return u;
  }

  @Test
  void sendsTheTokenOnEveryRequest() {
    try (KvClient c =
        KvClient.http(
            urls(),
            Duration.ofSeconds(5),
            KvClient.HttpOptions.defaults().withBearerToken("good"))) {
      assertThat(c.put("k", "v")).isEqualTo(7);
      assertThat(c.getString("k")).isEqualTo("v");
    }
    a.verify(
        1,
        postRequestedFor(urlEqualTo("/sessions"))
            .withHeader("Authorization", equalTo("Bearer good")));
    a.verify(
        1,
        putRequestedFor(urlEqualTo("/kv/k")).withHeader("Authorization", equalTo("Bearer good")));
  }

  @Test
  void aRefusalIsReportedAtOnceNotRetriedOnOtherNodes() {
    try (KvClient c = KvClient.http(urls(), Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> c.put("k", "v"))
          .isInstanceOfSatisfying(
              KvClientException.class, e -> assertThat(e.status()).isEqualTo(401));
    }
    // The registration before the first write is what is refused; nothing is retried elsewhere or
    // sent after it.
    a.verify(1, postRequestedFor(urlEqualTo("/sessions")));
    b.verify(0, postRequestedFor(urlEqualTo("/sessions")));
    a.verify(0, putRequestedFor(urlEqualTo("/kv/k")));
  }
}
