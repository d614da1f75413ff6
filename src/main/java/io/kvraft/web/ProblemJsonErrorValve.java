package io.kvraft.web;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.HttpStatus;

/**
 * Replaces Tomcat's HTML error page: whatever the container refuses itself (an unparsable request
 * line, an unknown method, a header too large, a bad percent-encoding) or answers with an error and
 * no body (a {@code sendError}, an actuator 404) gets the same {@code application/problem+json} as
 * the application's own errors, naming only the status: no server name, version or exception.
 */
public class ProblemJsonErrorValve extends ErrorReportValve {
  public ProblemJsonErrorValve() {
    setShowReport(false);
    setShowServerInfo(false);
  }

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || response.isCommitted()) {
      return;
    }
    AtomicBoolean ioAllowed = new AtomicBoolean(true);
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return;
    }
    HttpStatus known = HttpStatus.resolve(status);
    String title = known == null ? "Error" : known.getReasonPhrase();
    String json =
        "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + "}";
    try {
      response.setContentType("application/problem+json");
      response.setCharacterEncoding("UTF-8");
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write(json);
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // The client went away or the response cannot take a body any more; the status line is what
      // it gets.
    }
  }
}
