package io.kvraft.web;

import io.kvraft.kv.InvalidRequestException;
import io.kvraft.node.NotLeaderException;
import io.kvraft.node.UnavailableException;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
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

  @ExceptionHandler(InvalidRequestException.class)
  ResponseEntity<ProblemDetail> invalid(InvalidRequestException e) {
    HttpStatus status = e.tooLarge() ? HttpStatus.PAYLOAD_TOO_LARGE : HttpStatus.BAD_REQUEST;
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

  @ExceptionHandler(UnavailableException.class)
  ResponseEntity<ProblemDetail> unavailable(UnavailableException e) {
    return problem(HttpStatus.SERVICE_UNAVAILABLE, "Service Unavailable", e.getMessage(), null);
  }

  @ExceptionHandler(IllegalArgumentException.class)
  ResponseEntity<ProblemDetail> illegalArgument(IllegalArgumentException e) {
    return problem(HttpStatus.BAD_REQUEST, "Bad Request", e.getMessage(), null);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> unexpected(Exception e) {
    LOG.error("unexpected error", e);
    return problem(
        HttpStatus.INTERNAL_SERVER_ERROR, "Internal Server Error", "unexpected error; see the server log", null);
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
