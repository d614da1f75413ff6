package io.kvraft.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kvraft.ops.LiveNodeTestBase;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * What still reaches {@link MvcExceptionHandler}: Spring MVC's own refusals on the paths MVC serves
 * (unknown paths, the actuator, springdoc), as problem+json whatever the Accept header says. Spring
 * Boot's default problem handler would answer these too; what only this one does is log them in the
 * {@link RejectionLog} and keep request input that looks like internals out of the detail, so those
 * are what the cases below pin.
 */
@ExtendWith(OutputCaptureExtension.class)
class MvcExceptionHandlerTest extends LiveNodeTestBase {
  @Test
  void refusalsOnMvcPathsAreProblemsAndGoToTheRejectionLog(CapturedOutput output) throws Exception {
    assertProblem(send("GET", "/no-such-endpoint", null), 404, "/no-such-endpoint");
    assertProblem(
        send("GET", "/nothing/here", null, "Accept", "application/json"), 404, "/nothing/here");
    assertProblem(send("POST", "/actuator/health", "x"), 405, "/actuator/health");
    assertProblem(send("DELETE", "/v3/api-docs", null), 405, "/v3/api-docs");
    assertProblem(
        send("GET", "/actuator/health", null, "Accept", "text/html"), 406, "/actuator/health");
    // Refusals like these are logged at INFO; another test's node in this JVM may have turned that
    // off.
    LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
    logging.setLogLevel(RejectionLog.class.getName(), LogLevel.INFO);
    try {
      // The rejection log keeps a few lines a second per reason: ask until one about this path gets
      // through.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                send("DELETE", "/actuator/info", null);
                return output.getOut().contains("refused DELETE /actuator/info from ");
              });
    } finally {
      logging.setLogLevel(RejectionLog.class.getName(), null);
    }
  }

  @Test
  void aDetailThatLooksLikeInternalsIsLeftOut() throws Exception {
    // Spring's detail quotes the method: "Method 'org.example' is not supported."
    HttpResponse<String> r = send("org.example", "/actuator/health", null);
    assertProblem(r, 405, "/actuator/health");
    assertThat(r.body()).doesNotContain("org.example");
  }

  private static void assertProblem(HttpResponse<String> r, int status, String instance)
      throws Exception {
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    JsonNode pd = JSON.readTree(r.body());
    assertThat(pd.get("status").asInt()).isEqualTo(status);
    assertThat(pd.get("instance").asText()).isEqualTo(instance);
    assertThat(r.body()).doesNotContain("java.", "Exception", "org.springframework");
  }
}
