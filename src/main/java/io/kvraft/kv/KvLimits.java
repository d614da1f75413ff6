package io.kvraft.kv;

import java.nio.charset.StandardCharsets;

/** Input bounds: anything beyond them is refused before it reaches the Raft log. */
public record KvLimits(int maxKeyBytes, int maxValueBytes, int maxListLimit) {
  public static KvLimits defaults() {
    return new KvLimits(1024, 1 << 20, 1000);
  }

  public void checkKey(String key) {
    if (key == null || key.isEmpty()) {
      throw InvalidRequestException.bad("key must not be empty");
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxKeyBytes) {
      throw InvalidRequestException.bad("key is " + bytes + " bytes; the limit is " + maxKeyBytes);
    }
    for (int i = 0; i < key.length(); i++) {
      if (Character.isISOControl(key.charAt(i))) {
        throw InvalidRequestException.bad("key must not contain control characters");
      }
    }
    if (hasDotSegment(key)) {
      throw InvalidRequestException.bad("key must not contain '.' or '..' as a path segment");
    }
  }

  /**
   * "a/../b" names one key to this server (which matches the raw path) and another to every HTTP
   * client, proxy and to the follower relaying a write (which normalise dot segments, RFC 3986
   * §5.2.4): so /kv/../raft/vote reached the Raft endpoints through a follower, and a proxy's
   * per-prefix rules could be sidestepped. Such keys are refused.
   */
  private static boolean hasDotSegment(String key) {
    int start = 0;
    while (start <= key.length()) {
      int end = key.indexOf('/', start);
      if (end < 0) {
        end = key.length();
      }
      String segment = key.substring(start, end);
      if (segment.equals(".") || segment.equals("..")) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  public void checkValue(byte[] value) {
    if (value.length > maxValueBytes) {
      throw InvalidRequestException.tooLarge(
          "value is " + value.length + " bytes; the limit is " + maxValueBytes);
    }
  }
}
