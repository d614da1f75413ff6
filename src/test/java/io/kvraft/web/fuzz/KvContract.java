package io.kvraft.web.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The answer design §3 fixes for a {@code /kv/{key}} request, from what the generator put into it:
 * the same checks, in the order the contract applies them, so a request that is wrong in two ways
 * is expected to be refused for the one checked first. Where the data decides (a key present or
 * not, a revision matching or not) both answers are allowed, and nothing else.
 *
 * <p>Order: the request line and headers as HTTP (Tomcat: 400, or 404 for a path it normalises into
 * WEB-INF); a path that is not the key exactly as sent (400); the method (OPTIONS 200, unknown
 * 405); for PUT and POST a declared body over the value limit (413); the preconditions (PUT:
 * If-Match and If-None-Match, DELETE: If-Match; 400 when repeated, both, unparsable, or
 * If-None-Match other than {@code *}); Client-Id / Request-Seq (400 unless both or neither, an id
 * of 1 to 64 characters and a positive seq); the key (400); then Raft decides: a Client-Id without
 * a live session is 410 whatever else (the fuzzer never registers one), a precondition 204 or 412,
 * any other write 204.
 */
final class KvContract {
  static final int MAX_KEY_BYTES = 1024;
  static final int MAX_VALUE_BYTES = 1 << 20;

  String method;

  /** Refused by HTTP parsing itself: a bad request line, escape or header, or one too large. */
  boolean malformedHttp;

  /** The container's decoded, normalised path differs from the raw one (dot segments, //, ;). */
  boolean notVerbatim;

  /**
   * The normalised path lies in WEB-INF, which Tomcat answers 404 itself before any filter sees the
   * request (so the dot segments that led there are never judged).
   */
  boolean containerHidden;

  /** The decoded key; null when the path never reaches the key check. */
  String key;

  /** The value of the first {@code consistency} query parameter, null when absent. */
  String consistency;

  final List<String> ifMatch = new ArrayList<>();
  final List<String> ifNoneMatch = new ArrayList<>();
  String clientId;
  String requestSeq;
  long declaredBody = -1;

  Expect expect() {
    if (malformedHttp) {
      return Expect.exactly(400);
    }
    if (containerHidden) {
      return Expect.exactly(404);
    }
    if (notVerbatim) {
      return Expect.exactly(400);
    }
    return switch (method) {
      case "OPTIONS" -> Expect.exactly(200);
      case "GET", "HEAD" -> read();
      case "PUT" ->
          write(true, !ifMatch.isEmpty() || !ifNoneMatch.isEmpty() ? putPrecondition() : 0);
      case "POST" -> write(true, 0);
      case "DELETE" -> write(false, ifMatch.isEmpty() ? 0 : deletePrecondition());
      default -> Expect.exactly(405);
    };
  }

  private Expect read() {
    if (consistency != null
        && !consistency.isEmpty()
        && !consistency.equals("stale")
        && !consistency.equals("linearizable")) {
      return Expect.exactly(400);
    }
    if (!validKey()) {
      return Expect.exactly(400);
    }
    Expect found = Expect.oneOf(200, 404);
    // A stale read answers from the node's own state: it never waits for Raft.
    return "stale".equals(consistency) ? found : found.waitsForRaft();
  }

  /**
   * {@code precondition}: 0 none, 1 a valid one (204 or 412), 400 a refused one.
   *
   * <p>Bodies here are sent whole with their length, so the only body failure is one declared too
   * large.
   */
  private Expect write(boolean hasBody, int precondition) {
    if (hasBody && declaredBody > MAX_VALUE_BYTES) {
      return Expect.exactly(413);
    }
    if (precondition == 400 || !validClient() || !validKey()) {
      return Expect.exactly(400);
    }
    if (clientId != null) {
      return Expect.exactly(410).waitsForRaft();
    }
    return (precondition == 1 ? Expect.oneOf(204, 412) : Expect.exactly(204)).waitsForRaft();
  }

  private int putPrecondition() {
    if (ifMatch.size() > 1 || ifNoneMatch.size() > 1) {
      return 400;
    }
    if (!ifMatch.isEmpty() && !ifNoneMatch.isEmpty()) {
      return 400;
    }
    if (!ifNoneMatch.isEmpty()) {
      return ifNoneMatch.get(0).trim().equals("*") ? 1 : 400;
    }
    return revision(ifMatch.get(0)) ? 1 : 400;
  }

  private int deletePrecondition() {
    return ifMatch.size() == 1 && revision(ifMatch.get(0)) ? 1 : 400;
  }

  /** A revision ETag: {@code "n"} or {@code W/"n"} with n a positive long. */
  private static boolean revision(String v) {
    String t = v.trim();
    if (t.startsWith("W/")) {
      t = t.substring(2);
    }
    if (t.length() < 2 || !t.startsWith("\"") || !t.endsWith("\"")) {
      return false;
    }
    try {
      return Long.parseLong(t.substring(1, t.length() - 1)) > 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private boolean validClient() {
    if (clientId == null && requestSeq == null) {
      return true;
    }
    if (clientId == null || requestSeq == null) {
      return false;
    }
    if (clientId.isEmpty() || clientId.length() > 64) {
      return false;
    }
    try {
      return Long.parseLong(requestSeq.trim()) > 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private boolean validKey() {
    if (key == null || key.isEmpty()) {
      return false;
    }
    if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      return false;
    }
    if (key.chars().anyMatch(Character::isISOControl)) {
      return false;
    }
    for (String segment : key.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }
}
