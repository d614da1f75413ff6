package io.kvraft.ops;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One real single-node kvraft (Tomcat on a random port, file storage in a temp dir), shared by
 * every subclass through Spring's test context cache. Tests wait until it is ready (leads) before
 * they start.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "raft.tick-interval=20ms",
      "spring.main.banner-mode=off",
      // A few kilobytes of writes make the node snapshot, so the snapshot metrics have something to
      // show.
      "raft.snapshot.threshold-bytes=4096"
    })
@AutoConfigureObservability
public abstract class LiveNodeTestBase {
  protected static final ObjectMapper JSON = new ObjectMapper();
  protected static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static final Path DATA_DIR;
  protected static int port;

  static {
    try {
      DATA_DIR = Files.createTempDirectory("kvraft-ops-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void dataDir(DynamicPropertyRegistry r) {
    r.add("raft.data-dir", DATA_DIR::toString);
  }

  @Autowired private ApplicationContext context;

  @LocalServerPort
  void setPort(int p) {
    port = p;
  }

  @BeforeEach
  void waitForLeader() {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> send("GET", "/actuator/health/readiness", null).statusCode() == 200);
  }

  protected <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  protected static String base() {
    return "http://127.0.0.1:" + port;
  }

  protected static HttpResponse<String> send(
      String method, String path, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base() + path))
            .timeout(Duration.ofSeconds(20))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  protected static JsonNode json(String path) {
    HttpResponse<String> r = send("GET", path, null);
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
