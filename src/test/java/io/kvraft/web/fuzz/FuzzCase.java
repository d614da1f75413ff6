package io.kvraft.web.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** One generated request, to one node, with what it may be answered. */
record FuzzCase(
    long index,
    Family family,
    String node,
    String method,
    byte[] target,
    List<RawHttp.Header> headers,
    byte[] body,
    long declaredLength,
    Expect expect,
    /** The Raft term a stranger's message claimed, or 0: it must never become any node's term. */
    long strangerTerm,
    String note) {

  enum Family {
    KV_KEY,
    KV_LIST,
    SESSIONS,
    RAFT_APPEND,
    RAFT_HEARTBEAT,
    RAFT_VOTE,
    RAFT_SNAPSHOT,
    RAFT_STREAM,
    ACTUATOR,
    UNKNOWN_PATH
  }

  String describe() {
    String t = new String(target, StandardCharsets.ISO_8859_1);
    if (t.length() > 200) {
      t = t.substring(0, 200) + "...(" + target.length + " bytes)";
    }
    StringBuilder b = new StringBuilder();
    b.append('#')
        .append(index)
        .append(' ')
        .append(family)
        .append(" to ")
        .append(node)
        .append(": ")
        .append(method)
        .append(' ')
        .append(t.replaceAll("\\p{Cntrl}", "?"));
    for (RawHttp.Header h : headers) {
      String v = new String(h.value(), StandardCharsets.ISO_8859_1).replaceAll("\\p{Cntrl}", "?");
      b.append(" [")
          .append(h.name())
          .append(": ")
          .append(v.length() > 80 ? v.substring(0, 80) + "..." : v)
          .append(']');
    }
    b.append(" body ").append(body == null ? "none" : body.length + " bytes");
    if (declaredLength >= 0) {
      b.append(" declared ").append(declaredLength);
    }
    return b.append(" (").append(note).append(')').toString();
  }
}
