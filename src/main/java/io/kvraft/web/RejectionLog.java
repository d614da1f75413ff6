package io.kvraft.web;

import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Logs refused requests (4xx on /kv and /raft/*, cluster-token failures, overload) at a bounded
 * rate per reason (see {@link RateLimitedLog}): failed authentication and overload at WARN, other
 * refusals at INFO. Request input in a line is cut short and stripped of control characters, so a
 * client can neither forge log lines nor make them huge.
 */
@Component
public class RejectionLog {
  static final int LINES_PER_SECOND = 5;
  private static final int MAX_FIELD_CHARS = 160;
  private static final Logger LOG = LoggerFactory.getLogger(RejectionLog.class);

  private final RateLimitedLog limiter =
      new RateLimitedLog(LINES_PER_SECOND, Duration.ofSeconds(1), System::nanoTime);

  /** Records that {@code request} was answered {@code status}; {@code detail} says why. */
  public void rejected(HttpServletRequest request, int status, String detail) {
    boolean serious = status == 401 || status == 403 || status == 503;
    if (!(serious ? LOG.isWarnEnabled() : LOG.isInfoEnabled())) {
      return;
    }
    String uri = request.getRequestURI();
    String family =
        uri == null
            ? "other"
            : uri.startsWith("/raft/") ? "raft" : uri.startsWith("/kv") ? "kv" : "other";
    String line =
        limiter.admit(
            family + " " + status,
            "refused "
                + clean(request.getMethod())
                + " "
                + clean(uri)
                + " from "
                + request.getRemoteAddr()
                + ": "
                + status
                + " "
                + clean(detail));
    if (line == null) {
      return;
    }
    if (serious) {
      LOG.warn(line);
    } else {
      LOG.info(line);
    }
  }

  static String clean(String s) {
    if (s == null) {
      return "-";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_FIELD_CHARS + 3));
    for (int i = 0; i < s.length() && b.length() < MAX_FIELD_CHARS; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    if (s.length() > MAX_FIELD_CHARS) {
      b.append("...");
    }
    return b.toString();
  }
}
