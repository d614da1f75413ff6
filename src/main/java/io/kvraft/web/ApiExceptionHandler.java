package io.kvraft.web;

import io.kvraft.kv.InvalidRequestException;
import io.kvraft.node.NotLeaderException;
import io.kvraft.node.OverloadedException;
import io.kvraft.node.UnavailableException;
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
 * Errors of the few Spring MVC endpoints (the {@code /kv} API answers its own in {@link KvProblems}, with the same
 * shapes). Every error is {@code application/problem+json} (RFC 9457) with no stack trace or internal path. 4xx means
 * nothing changed; 503 means the outcome is unknown and a retry with the same Client-Id/Request-Seq is safe.
 */
@RestControllerAdvice
public class ApiExceptionHandler extends ResponseEntityExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ApiExceptionHandler.class);
  private static final String RETRY_AFTER_SECONDS = "1";
  /** Lets clients and dashboards tell "too busy, nothing done" from the other 503s, whose outcome is unknown. */
  static final URI OVERLOADED_TYPE = URI.create("urn:kvraft:problem:overloaded");

  private final RejectionLog rejections;

  public ApiExceptionHandler(RejectionLog rejections) {
    this.rejections = rejections;
  }

  @ExceptionHandler(InvalidRequestException.class)
  ResponseEntity<ProblemDetail> invalid(InvalidRequestException e, HttpServletRequest request) {
    HttpStatus status = e.tooLarge() ? HttpStatus.PAYLOAD_TOO_LARGE : HttpStatus.BAD_REQUEST;
    rejections.rejected(request, status.value(), e.getMessage());
    return problem(status, e.tooLarge() ? "Payload Too Large" : "Bad Request", e.getMessage(), null);
  }

  @ExceptionHandler(NotLeaderException.class)
  ResponseEntity<ProblemDetail> notLeader(NotLeaderException e) {
    return problem(
        HttpStatus.SERVICE_UNAVAILABLE,
        "No Leader",
        e.leaderHint() == null
            ? "no leader is known right now; retry shortly"
            : "this node is not the leader; send the request to " + e.leaderHint(),
        e.leaderHint());
  }

  @ExceptionHandler(OverloadedException.class)
  ResponseEntity<ProblemDetail> overloaded(OverloadedException e, HttpServletRequest request) {
    rejections.rejected(request, HttpStatus.SERVICE_UNAVAILABLE.value(), e.getMessage());
    ResponseEntity<ProblemDetail> r = problem(HttpStatus.SERVICE_UNAVAILABLE, "Overloaded", e.getMessage(), null);
    r.getBody().setType(OVERLOADED_TYPE);
    return r;
  }

  @ExceptionHandler(UnavailableException.class)
  ResponseEntity<ProblemDetail> unavailable(UnavailableException e) {
    return problem(HttpStatus.SERVICE_UNAVAILABLE, "Service Unavailable", e.getMessage(), null);
  }

  @ExceptionHandler(IllegalArgumentException.class)
  ResponseEntity<ProblemDetail> illegalArgument(IllegalArgumentException e, HttpServletRequest request) {
    rejections.rejected(request, HttpStatus.BAD_REQUEST.value(), e.getMessage());
    return problem(HttpStatus.BAD_REQUEST, "Bad Request", e.getMessage(), null);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> unexpected(Exception e) {
    LOG.error("unexpected error", e);
    return problem(
        HttpStatus.INTERNAL_SERVER_ERROR, "Internal Server Error", "unexpected error; see the server log", null);
  }

  /** Spring's own refusals (405, 415, unparsable parameters, unknown paths, ...): logged like ours. */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception ex, Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
    if (statusCode.is4xxClientError() && request instanceof ServletWebRequest sw) {
      rejections.rejected(sw.getRequest(), statusCode.value(), ex.getMessage());
    }
    // Named explicitly, so the problem is written whatever the Accept header says: without it an unparsable or
    // unsatisfiable Accept left 405/406 answers with no body at all.
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
   * Spring's details may quote what it failed on: "Failed to convert 'limit' with value: '[Ljava.lang.String;@..'"
   * for a repeated parameter (found by the fuzz test), parser messages naming classes. Say what was wrong instead.
   */
  private static void withoutInternals(Exception ex, ProblemDetail pd) {
    if (ex instanceof TypeMismatchException tm) {
      pd.setDetail("parameter '" + tm.getPropertyName() + "' has an invalid value");
      return;
    }
    String detail = pd.getDetail();
    if (detail != null
        && (detail.contains("java.") || detail.contains("Exception") || detail.contains("org.")
            || detail.contains("@"))) {
      pd.setDetail(null);
    }
  }

  private static ResponseEntity<ProblemDetail> problem(
      HttpStatus status, String title, String detail, String leaderHint) {
    ProblemDetail pd = ProblemDetail.forStatusAndDetail(status, detail);
    pd.setTitle(title);
    pd.setType(URI.create("about:blank"));
    ResponseEntity.BodyBuilder b = ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
    if (status == HttpStatus.SERVICE_UNAVAILABLE) {
      b.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
    }
    if (leaderHint != null) {
      b.header(KvHeaders.RAFT_LEADER, leaderHint);
    }
    return b.body(pd);
  }
}
