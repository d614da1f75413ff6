package io.kvraft.web;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Errors of what Spring MVC still serves: the actuator, springdoc's {@code /v3/api-docs} and
 * swagger-ui, and every path no endpoint claims (404). {@code /kv}, {@code /sessions} and {@code
 * /raft/*} are servlet filters that answer their own errors and never reach MVC, so none of
 * kvraft's domain exceptions (invalid request, not leader, overloaded, unavailable) can arrive
 * here. Every error is {@code application/problem+json} (RFC 9457) with no stack trace or internal
 * path.
 */
@RestControllerAdvice
public class MvcExceptionHandler extends ResponseEntityExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(MvcExceptionHandler.class);

  private final RejectionLog rejections;

  public MvcExceptionHandler(RejectionLog rejections) {
    this.rejections = rejections;
  }

  /**
   * An IllegalArgumentException out of an actuator or springdoc handler (none is known): 400, as
   * before.
   */
  @ExceptionHandler(IllegalArgumentException.class)
  ResponseEntity<ProblemDetail> illegalArgument(
      IllegalArgumentException e, HttpServletRequest request) {
    rejections.rejected(request, HttpStatus.BAD_REQUEST.value(), e.getMessage());
    return problem(HttpStatus.BAD_REQUEST, "Bad Request", e.getMessage());
  }

  /**
   * Anything else an MVC handler throws: 500, logged, with nothing of the exception in the answer.
   */
  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> unexpected(Exception e) {
    LOG.error("unexpected error", e);
    return problem(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "Internal Server Error",
        "unexpected error; see the server log");
  }

  /**
   * Spring's own refusals (405, 415, unparsable parameters, unknown paths, ...): logged like ours.
   */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception ex,
      Object body,
      HttpHeaders headers,
      HttpStatusCode statusCode,
      WebRequest request) {
    if (statusCode.is4xxClientError() && request instanceof ServletWebRequest sw) {
      rejections.rejected(sw.getRequest(), statusCode.value(), ex.getMessage());
    }
    // Named explicitly, so the problem is written whatever the Accept header says: without it an
    // unparsable or unsatisfiable Accept left 405/406 answers with no body at all.
    HttpHeaders h = new HttpHeaders();
    if (headers != null) {
      h.putAll(headers);
    }
    h.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
    ResponseEntity<Object> r = super.handleExceptionInternal(ex, body, h, statusCode, request);
    if (r != null && r.getBody() instanceof ProblemDetail pd) {
      withoutInternals(ex, pd);
    }
    return r;
  }

  /**
   * Spring's details may quote what it failed on: "Failed to convert 'limit' with value:
   * '[Ljava.lang.String;@..'" for a repeated parameter (found by the fuzz test), parser messages
   * naming classes. Say what was wrong instead.
   */
  private static void withoutInternals(Exception ex, ProblemDetail pd) {
    if (ex instanceof TypeMismatchException tm) {
      pd.setDetail("parameter '" + tm.getPropertyName() + "' has an invalid value");
      return;
    }
    String detail = pd.getDetail();
    if (detail != null
        && (detail.contains("java.")
            || detail.contains("Exception")
            || detail.contains("org.")
            || detail.contains("@"))) {
      pd.setDetail(null);
    }
  }

  private static ResponseEntity<ProblemDetail> problem(
      HttpStatus status, String title, String detail) {
    ProblemDetail pd = ProblemDetail.forStatusAndDetail(status, detail);
    pd.setTitle(title);
    pd.setType(URI.create("about:blank"));
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(pd);
  }
}
