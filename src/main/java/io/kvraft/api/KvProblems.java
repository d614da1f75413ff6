package io.kvraft.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.kv.InvalidRequestException;
import io.kvraft.kv.StateDivergedException;
import io.kvraft.node.NotLeaderException;
import io.kvraft.node.OverloadedException;
import io.kvraft.node.UnavailableException;
import io.kvraft.web.ProblemJson;
import io.kvraft.web.RejectionLog;
import jakarta.servlet.http.HttpServletRequest;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * Turns the outcome of a failed {@code /kv} request into its problem+json answer (RFC 9457), never
 * with a stack trace or internal path: 4xx means nothing changed; 503 means the outcome is unknown
 * and a retry with the same Client-Id/Request-Seq is safe, so it carries Retry-After.
 */
final class KvProblems {
  private static final Logger LOG = LoggerFactory.getLogger(KvProblems.class);
  static final String RETRY_AFTER_SECONDS = "1";

  /**
   * Lets clients and dashboards tell "too busy, nothing done" from the other 503s, whose outcome is
   * unknown.
   */
  static final String OVERLOADED_TYPE = "urn:kvraft:problem:overloaded";

  static final String SESSION_EXPIRED_TYPE = "urn:kvraft:problem:session-expired";
  static final String TOO_MANY_SESSIONS_TYPE = "urn:kvraft:problem:too-many-sessions";

  /** Nothing done, and retrying this member will not help: another member must be asked. */
  static final String STATE_DIVERGED_TYPE = "urn:kvraft:problem:state-diverged";

  private final ObjectMapper json;
  private final RejectionLog rejections;

  KvProblems(ObjectMapper json, RejectionLog rejections) {
    this.json = json;
    this.rejections = rejections;
  }

  /**
   * The answer to a request that failed; refusals (bad input, overload) are logged at a bounded
   * rate.
   */
  HttpAnswer of(Throwable failure, HttpServletRequest request) {
    Throwable e =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    String path = request.getRequestURI();
    if (e instanceof InvalidRequestException ire) {
      HttpStatus status = ire.tooLarge() ? HttpStatus.PAYLOAD_TOO_LARGE : HttpStatus.BAD_REQUEST;
      rejections.rejected(request, status.value(), ire.getMessage());
      return problem(
          status, ire.tooLarge() ? "Payload Too Large" : "Bad Request", ire.getMessage(), path);
    }
    if (e instanceof StateDivergedException) {
      return problem(
          HttpStatus.SERVICE_UNAVAILABLE,
          STATE_DIVERGED_TYPE,
          "State Diverged",
          "this member's state differs from the cluster's, so it answers no request (nothing was done);"
              + " ask another member. "
              + e.getMessage(),
          path);
    }
    if (e instanceof OverloadedException) {
      rejections.rejected(request, HttpStatus.SERVICE_UNAVAILABLE.value(), e.getMessage());
      return problem(
          HttpStatus.SERVICE_UNAVAILABLE, OVERLOADED_TYPE, "Overloaded", e.getMessage(), path);
    }
    if (e instanceof NotLeaderException nle) {
      String detail =
          nle.leaderHint() == null
              ? "no leader is known right now; retry shortly"
              : "this node is not the leader; send the request to " + nle.leaderHint();
      return problem(HttpStatus.SERVICE_UNAVAILABLE, "No Leader", detail, path)
          .header(KvHeaders.RAFT_LEADER, nle.leaderHint());
    }
    if (e instanceof UnavailableException) {
      return problem(HttpStatus.SERVICE_UNAVAILABLE, "Service Unavailable", e.getMessage(), path);
    }
    if (e instanceof IllegalArgumentException) {
      rejections.rejected(request, HttpStatus.BAD_REQUEST.value(), e.getMessage());
      return problem(HttpStatus.BAD_REQUEST, "Bad Request", e.getMessage(), path);
    }
    LOG.error("unexpected error on {}", path, e);
    return problem(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "Internal Server Error",
        "unexpected error; see the server log",
        path);
  }

  HttpAnswer problem(HttpStatus status, String title, String detail, String path) {
    return problem(status, "about:blank", title, detail, path);
  }

  /**
   * 410: the write's Client-Id names no live session. Never applied by this request, but an earlier
   * send of it may have been applied before the session went away: the client must find out by
   * reading, not by retrying blindly.
   */
  HttpAnswer sessionExpired(String path) {
    return problem(
        HttpStatus.GONE,
        SESSION_EXPIRED_TYPE,
        "Session Expired",
        "this Client-Id has no session: it expired or was evicted (or was never issued by POST /sessions). The"
            + " outcome of this request is unknown: it was NOT applied by this request, but an earlier attempt may"
            + " have been. Register a new session with POST /sessions and read the key before retrying.",
        path);
  }

  /**
   * 503: the session table is full and its least recently used session is still too recently used
   * to evict.
   */
  HttpAnswer tooManySessions(String path) {
    return problem(
        HttpStatus.SERVICE_UNAVAILABLE,
        TOO_MANY_SESSIONS_TYPE,
        "Too Many Sessions",
        "the cluster holds kv.max-sessions client sessions and none has been idle for kv.session-min-idle; no"
            + " session was created. Retry later.",
        path);
  }

  HttpAnswer problem(HttpStatus status, String type, String title, String detail, String path) {
    HttpAnswer a =
        HttpAnswer.of(
            status.value(),
            MediaType.APPLICATION_PROBLEM_JSON_VALUE,
            ProblemJson.body(json, status, type, title, detail, path));
    if (status == HttpStatus.SERVICE_UNAVAILABLE) {
      a.header("Retry-After", RETRY_AFTER_SECONDS);
    }
    return a;
  }
}
