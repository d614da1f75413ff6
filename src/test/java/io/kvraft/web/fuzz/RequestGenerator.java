package io.kvraft.web.fuzz;

import io.kvraft.raft.Entry;
import io.kvraft.raft.Message;
import io.kvraft.transport.HttpTransport;
import io.kvraft.transport.MessageCodec;
import io.kvraft.transport.SnapshotChunk;
import io.kvraft.web.fuzz.FuzzCase.Family;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Builds hostile requests for every endpoint family, each from its own {@code Random(seed + index)}
 * so any case can be rebuilt from the seed and its index alone. Requests never touch keys outside
 * {@code fz...} (the workload's keys sit under a random prefix no case can name) and never carry
 * both the cluster token and a member's id, since that is a member speaking, not a stranger.
 */
final class RequestGenerator {
  static final long STRANGER_TERM_FLOOR = 1_000_000_000L;
  private static final long MAX_RAFT_BATCH = 4L * (1 << 20) + (64L << 20);
  private static final String[] STRANGERS = {
    "intruder", "n4", "N1", "n1 ", "", "x".repeat(300), "\u00e9v\u00e9"
  };
  private static final String[] JUNK_TYPES = {
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
    "application/octet-stream; charset=\u00ff",
    ";;;",
    "*/*",
    "a/b/c",
    "application/octet-streamx",
    "text/html; charset=utf-8",
    "",
    "application/problem+json"
  };
  private static final String[] ACCEPTS = {
    "*/*",
    "text/html",
    "application/xml",
    "application/json",
    ";;;",
    "image/png, */*;q=0.1",
    "application/*",
    "text/plain;q=abc",
    "application/problem+json",
    "",
    "\u00ff/\u00ff"
  };

  private final long seed;
  private final List<String> members;
  private final String token;
  private final Family[] families = Family.values();

  RequestGenerator(long seed, List<String> members, String token) {
    this.seed = seed;
    this.members = members;
    this.token = token;
  }

  FuzzCase generate(long index) {
    Random r = new Random(seed * 1_000_003L + index);
    String node = members.get(r.nextInt(members.size()));
    Family f = families[r.nextInt(families.length)];
    Builder b = new Builder(index, f, node);
    switch (f) {
      case KV_KEY -> kvKey(r, b);
      case KV_LIST -> kvList(r, b);
      case RAFT_APPEND -> raft(r, b, "/raft/append");
      case RAFT_HEARTBEAT -> raft(r, b, "/raft/heartbeat");
      case RAFT_VOTE -> raft(r, b, "/raft/vote");
      case RAFT_SNAPSHOT -> raftSnapshot(r, b);
      case RAFT_STREAM -> raftStream(r, b);
      case SESSIONS -> sessions(r, b);
      case ACTUATOR -> actuator(r, b);
      case UNKNOWN_PATH -> unknown(r, b);
    }
    return b.build();
  }

  // ------------------------------------------------------------------------------------------
  // /kv/{key}

  private void kvKey(Random r, Builder b) {
    KvContract c = new KvContract();
    String method =
        pick(r, "GET", "GET", "PUT", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "FOO");
    b.method = method;
    c.method = method;
    String key;
    switch (r.nextInt(10)) {
      case 0 -> {
        key = "fz/" + "k".repeat(KvContract.MAX_KEY_BYTES - 3 + 1 + r.nextInt(3000));
        b.note("key over the limit");
      }
      case 1 -> {
        key = "fz/" + "k".repeat(KvContract.MAX_KEY_BYTES - 3);
        b.note("key at the limit");
      }
      case 2 -> {
        key =
            "fz/"
                + pick(
                    r,
                    "\u00e9t\u00e9",
                    "\u65e5\u672c",
                    "\ud83d\ude00",
                    "\u202e",
                    "a b",
                    "a+b",
                    "\ufeff");
        b.note("unicode key");
      }
      case 3 -> {
        key = "fz/" + randomSafe(r, 1 + r.nextInt(20));
        b.target =
            ("/kv/" + pick(r, "fz/../fz/", "./fz/", "fz/./", "fz//", "%2e/fz/") + key.substring(3))
                .getBytes(StandardCharsets.UTF_8);
        c.notVerbatim = true;
        b.note("dot segments inside /kv");
      }
      case 4 -> {
        String up =
            pick(r, "../", "..%2f", "%2e%2e/", "..;/", "fz/../../", "..\\", "%2e%2e%2f%2e%2e/");
        String to = pick(r, "actuator/env", "raft/vote", "etc/passwd", "kv/fz", "WEB-INF/web.xml");
        b.target = ("/kv/" + up + to).getBytes(StandardCharsets.UTF_8);
        key = null;
        // An escaped slash and a raw backslash Tomcat refuses itself; the rest it normalises to
        // another path than the one sent, which /kv refuses, except when that path is inside
        // WEB-INF, which Tomcat hides (404) before any filter runs.
        c.malformedHttp = up.contains("%2f") || up.contains("\\");
        c.notVerbatim = true;
        c.containerHidden = !c.malformedHttp && to.startsWith("WEB-INF");
        b.note("dot segments leaving /kv");
      }
      case 5 -> {
        String escape =
            pick(
                r, "%00", "%01", "%0a", "%0d%0a", "%7f", "%2F", "%5C", "%", "%zz", "%c0%ae",
                "%ff%fe");
        b.target = ("/kv/fz/" + escape).getBytes(StandardCharsets.ISO_8859_1);
        // Control characters decode into the key, which refuses them; the rest is not a valid
        // escape of a path character (a NUL, an escaped slash or backslash, a broken escape,
        // invalid UTF-8), which HTTP parsing refuses.
        key =
            switch (escape) {
              case "%01" -> "fz/\u0001";
              case "%0a" -> "fz/\n";
              case "%0d%0a" -> "fz/\r\n";
              case "%7f" -> "fz/\u007f";
              default -> null;
            };
        c.malformedHttp = key == null;
        b.note("bad percent-encoding or control characters");
      }
      case 6 -> {
        byte[] raw =
            ("/kv/fz/x"
                    + (char) (int) pick(r, 0x01, 0x7f, 0x09, 0x0b, 0x1b, 0x20, 0x80, 0xff)
                    + "y")
                .getBytes(StandardCharsets.ISO_8859_1);
        b.target = raw;
        key = null;
        c.malformedHttp = true;
        b.note("raw control or high byte in the request line");
      }
      case 7 -> {
        b.target =
            ("/kv/fz/" + "a".repeat(8_000 + r.nextInt(70_000)))
                .getBytes(StandardCharsets.ISO_8859_1);
        key = null;
        c.malformedHttp = true; // over Tomcat's 8 KiB for the request line and headers
        b.note("very long path");
      }
      case 8 -> {
        key = "";
        b.note("empty key");
      }
      default -> {
        key = "fz/" + randomSafe(r, 1 + r.nextInt(40));
        b.note("plain key");
      }
    }
    c.key = key;
    if (b.target == null) {
      b.target = ("/kv/" + encodePath(key)).getBytes(StandardCharsets.ISO_8859_1);
    }
    if (r.nextInt(6) == 0) {
      String q =
          pick(
              r,
              "consistency=stale",
              "consistency=linearizable",
              "consistency=maybe",
              "consistency=",
              "consistency=stale&consistency=linearizable",
              "x=%zz",
              "=&&=",
              "consistency");
      b.target = concat(b.target, ("?" + q).getBytes(StandardCharsets.ISO_8859_1));
      c.consistency = firstParameter(q, "consistency");
    }
    // Headers: preconditions, client identity, content types, junk.
    int headerMutations = r.nextInt(4);
    for (int i = 0; i < headerMutations; i++) {
      switch (r.nextInt(9)) {
        case 0 -> {
          String v = pick(r, "\"5\"", "W/\"7\"", " \"3\" ");
          b.header("If-Match", v);
          c.ifMatch.add(v);
        }
        case 1 -> {
          String v =
              pick(
                  r,
                  "abc",
                  "\"-1\"",
                  "\"0\"",
                  "\"\"",
                  "*",
                  "\"99999999999999999999\"",
                  "W/",
                  "\"",
                  "\"5\", \"6\"");
          b.header("If-Match", v);
          c.ifMatch.add(v);
        }
        case 2 -> {
          String v = pick(r, "*", "\"5\"", "junk", "");
          b.header("If-None-Match", v);
          c.ifNoneMatch.add(v);
        }
        case 3 -> {
          if (!b.has("Client-Id") && !b.has("Request-Seq")) {
            // Well-formed, but never issued by POST /sessions: a write is refused (410) by every
            // member, a follower relaying it in the bytes it was sent, a read ignores it.
            c.clientId =
                pick(r, "fz-", "fz-\u00e9t\u00e9-", "fz-\ud83d\ude00-")
                    + Long.toHexString(r.nextLong());
            c.requestSeq = Integer.toString(1 + r.nextInt(1000));
            b.header("Client-Id", c.clientId);
            b.header("Request-Seq", c.requestSeq);
          }
        }
        case 4 -> {
          // Each pair is refused by a write: {Client-Id, Request-Seq}, null = header absent.
          String[][] junk = {
            {"", "1"},
            {"c".repeat(65), "1"},
            {null, "7"},
            {"lonely", null},
            {"fz-j", "abc"},
            {"fz-j", "-1"},
            {"fz-j", "0"},
            {"fz-j", "1.5"},
            {"fz-j", "99999999999999999999"},
            {"fz-j", ""},
            {"fz-j", "0x10"}
          };
          String[] h = junk[r.nextInt(junk.length)];
          if (b.has("Client-Id") || b.has("Request-Seq")) {
            break; // a valid pair is already there
          }
          c.clientId = h[0];
          c.requestSeq = h[1];
          if (h[0] != null) {
            b.header("Client-Id", h[0]);
          }
          if (h[1] != null) {
            b.header("Request-Seq", h[1]);
          }
        }
        // /kv reads neither Content-Type nor Accept (values are raw bytes, errors problem+json),
        // nor headers of its own relay protocol under other names.
        case 5 -> b.header("Content-Type", pick(r, JUNK_TYPES));
        case 6 -> b.header("Accept", pick(r, ACCEPTS));
        case 7 -> {
          boolean huge = r.nextInt(2) == 0;
          b.header("X-Fuzz-" + r.nextInt(1000), "v".repeat(huge ? 20_000 + r.nextInt(50_000) : 10));
          c.malformedHttp |= huge; // over Tomcat's 8 KiB of headers
        }
        default -> {
          b.header("Raft-Leader", pick(r, "n1", "evil", "\u00ff"));
          b.header("Forwarded-By", pick(r, "n2", "n9"));
        }
      }
    }
    if (method.equals("PUT")
        || method.equals("POST")
        || (method.equals("DELETE") && r.nextInt(4) == 0)
        || r.nextInt(10) == 0) {
      switch (r.nextInt(20)) {
        case 0 -> {
          b.body = new byte[KvContract.MAX_VALUE_BYTES + 1 + r.nextInt(1000)];
          r.nextBytes(b.body);
          c.declaredBody = b.body.length;
          b.note("oversized body");
        }
        case 1 -> {
          b.body = randomBytes(r, 10);
          b.declaredLength =
              pick(r, 1L << 31, Long.MAX_VALUE / 2, (long) KvContract.MAX_VALUE_BYTES + 1);
          c.declaredBody = b.declaredLength;
          b.close = true;
          b.note("declares a huge body");
        }
        default -> {
          b.body = randomBytes(r, r.nextInt(3) == 0 ? r.nextInt(64 * 1024) : r.nextInt(64));
          c.declaredBody = b.body.length;
        }
      }
    }
    b.expect = c.expect();
  }

  /**
   * The decoded value of a query's first parameter {@code name} ("" for a name without '='), as the
   * servlet container reads it; null when absent.
   */
  private static String firstParameter(String query, String name) {
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String n = eq < 0 ? pair : pair.substring(0, eq);
      if (n.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // /sessions

  /**
   * Session registration: POST (whatever headers or body) opens one; other methods and paths below
   * are refused.
   */
  private void sessions(Random r, Builder b) {
    b.method = pick(r, "POST", "POST", "POST", "GET", "PUT", "DELETE", "OPTIONS", "PATCH");
    String path =
        pick(
            r,
            "/sessions",
            "/sessions",
            "/sessions?x=1",
            "/sessions/",
            "/sessions/1",
            "/sessions;a=b");
    b.target = path.getBytes(StandardCharsets.UTF_8);
    boolean ours = path.equals("/sessions") || path.equals("/sessions?x=1");
    if (r.nextInt(3) == 0) {
      // Ignored by a registration, even when they would be refused on a write.
      b.header("Client-Id", pick(r, "fz-s", "", "c".repeat(65)));
      b.header("Request-Seq", pick(r, "1", "-1", "x"));
    }
    if (r.nextInt(3) == 0) {
      b.body = randomBytes(r, r.nextInt(64));
    }
    b.note("session registration");
    if (!ours) {
      // Paths beside /sessions are no endpoint of ours: Spring refuses them as it sees fit.
      b.expect = Expect.refused();
    } else if (b.method.equals("POST")) {
      b.expect = Expect.exactly(201).waitsForRaft();
    } else {
      b.expect = Expect.exactly(b.method.equals("OPTIONS") ? 200 : 405);
    }
  }

  // ------------------------------------------------------------------------------------------
  // /kv?prefix

  /**
   * A listing: GET and HEAD only (else 405); the first {@code limit} must be an integer from 1 to
   * 1000 and the first {@code consistency} stale or linearizable, an empty one taking the default
   * (else 400); any prefix and startAfter are fine (one that does not decode is dropped by the
   * container, which lists from the start), and so is any Accept: a listing is JSON.
   */
  private void kvList(Random r, Builder b) {
    b.method = pick(r, "GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE");
    StringBuilder q = new StringBuilder("/kv");
    List<String> params = new ArrayList<>();
    if (r.nextBoolean()) {
      params.add(
          "prefix="
              + pick(
                  r, "fz", "fz/", "", "%00", "%ff", "%C3%A9", "a".repeat(2000), "*", "%25", "wl-"));
    }
    if (r.nextInt(3) == 0) {
      params.add("startAfter=" + pick(r, "fz/a", "", "%00", "zzzz"));
    }
    if (r.nextInt(3) == 0) {
      params.add(
          "limit="
              + pick(
                  r, "1", "100", "1000", "", "0", "-1", "1001", "abc", "99999999999", "1e3", "5x"));
    }
    if (r.nextInt(5) == 0) {
      params.add("consistency=" + pick(r, "stale", "linearizable", "sometimes", ""));
    }
    if (r.nextInt(8) == 0) {
      params.add(pick(r, "prefix=a&prefix=b", "limit=5&limit=6", "&&", "=x", "x"));
    }
    String query = String.join("&", params);
    if (!params.isEmpty()) {
      q.append('?').append(query);
    }
    b.target = q.toString().getBytes(StandardCharsets.UTF_8);
    if (r.nextInt(4) == 0) {
      b.header("Accept", pick(r, ACCEPTS));
    }
    b.note("listing");
    if (!b.method.equals("GET") && !b.method.equals("HEAD")) {
      b.expect = Expect.exactly(405);
      return;
    }
    String limit = firstParameter(query, "limit");
    String consistency = firstParameter(query, "consistency");
    boolean limitOk =
        limit == null || limit.isEmpty() || Set.of("1", "5", "100", "1000").contains(limit);
    boolean consistencyOk =
        consistency == null || Set.of("", "stale", "linearizable").contains(consistency);
    if (!limitOk || !consistencyOk) {
      b.expect = Expect.exactly(400);
    } else {
      Expect ok = Expect.exactly(200);
      b.expect = "stale".equals(consistency) ? ok : ok.waitsForRaft();
    }
  }

  // ------------------------------------------------------------------------------------------
  // /raft/*

  private void raft(Random r, Builder b, String path) {
    boolean withToken = r.nextBoolean();
    rawRaft(r, b, path, strangerBatch(r, b, path, withToken), withToken);
  }

  /**
   * A batch of mostly {@code path}'s family from strangers (or members' ids without the token),
   * then mutated.
   */
  private byte[] strangerBatch(Random r, Builder b, String path, boolean withToken) {
    long term = strangerTerm(r, b);
    List<Message> batch = new ArrayList<>();
    int n = r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(3);
    for (int i = 0; i < n; i++) {
      String from =
          withToken || r.nextBoolean()
              ? pick(r, STRANGERS)
              : pick(r, members.toArray(String[]::new));
      String to = r.nextInt(5) == 0 ? pick(r, members.toArray(String[]::new)) : b.node;
      batch.add(randomMessage(r, path, from, to, term));
    }
    byte[] body = safeEncode(batch);
    return mutate(r, b, body);
  }

  /**
   * A peer stream ({@code /raft/stream/append|heartbeat}): the stranger's batch framed by a length,
   * sometimes after keep-alives, sometimes with a frame length that lies (huge, negative, longer
   * than the bytes that follow).
   */
  private void raftStream(Random r, Builder b) {
    String family = r.nextBoolean() ? "/raft/append" : "/raft/heartbeat";
    boolean withToken = r.nextBoolean();
    byte[] batch = strangerBatch(r, b, family, withToken);
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    for (int i = r.nextInt(3) == 0 ? 1 + r.nextInt(3) : 0; i > 0; i--) {
      writeInt(frames, 0);
    }
    switch (r.nextInt(6)) {
      case 0 -> {
        writeInt(
            frames,
            r.nextBoolean() ? (int) MAX_RAFT_BATCH + 1 + r.nextInt(1000) : -1 - r.nextInt(1000));
        frames.writeBytes(batch);
        b.note("frame length out of bounds");
      }
      case 1 -> {
        writeInt(frames, batch.length + 1 + r.nextInt(100));
        frames.writeBytes(batch);
        b.note("frame longer than its bytes");
      }
      default -> {
        writeInt(frames, batch.length);
        frames.writeBytes(batch);
        if (r.nextInt(4) == 0) {
          byte[] empty = MessageCodec.encode(List.of());
          writeInt(frames, empty.length);
          frames.writeBytes(empty);
        }
      }
    }
    rawRaft(
        r,
        b,
        "/raft/stream/" + family.substring("/raft/".length()),
        frames.toByteArray(),
        withToken);
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  private void raftSnapshot(Random r, Builder b) {
    long term = strangerTerm(r, b);
    boolean withToken = r.nextBoolean();
    String from =
        withToken || r.nextBoolean() ? pick(r, STRANGERS) : pick(r, members.toArray(String[]::new));
    String to = r.nextInt(5) == 0 ? pick(r, members.toArray(String[]::new)) : b.node;
    byte[] data = randomBytes(r, r.nextInt(600));
    long total = r.nextBoolean() ? data.length : Math.abs(r.nextLong() % 1_000_000_000L);
    long offset = r.nextInt(3) == 0 ? r.nextInt(1000) : 0;
    byte[] body;
    try {
      body =
          new SnapshotChunk(
                  from.isEmpty() ? "x" : from,
                  to,
                  term,
                  1 + r.nextInt(1_000_000),
                  1 + r.nextInt(100),
                  total,
                  offset,
                  data)
              .encode();
    } catch (RuntimeException e) {
      body = randomBytes(r, 40);
    }
    body = mutate(r, b, body);
    rawRaft(r, b, "/raft/snapshot", body, withToken);
  }

  private long strangerTerm(Random r, Builder b) {
    long term =
        STRANGER_TERM_FLOOR
            + (r.nextBoolean() ? r.nextInt(1000) : Math.abs(r.nextLong() % (1L << 60)));
    b.strangerTerm = term;
    return term;
  }

  private Message randomMessage(Random r, String path, String from, String to, long term) {
    long idx = r.nextBoolean() ? r.nextInt(100) : Math.abs(r.nextLong() % (1L << 50));
    long t2 = r.nextBoolean() ? term : r.nextInt(10);
    // Mostly the family of the path; sometimes another, which the node must refuse.
    String family =
        r.nextInt(6) == 0 ? pick(r, "/raft/append", "/raft/heartbeat", "/raft/vote") : path;
    return switch (family) {
      case "/raft/append" -> {
        if (r.nextInt(4) == 0) {
          yield new Message.AppendResponse(from, to, term, r.nextBoolean(), idx, idx, t2, idx);
        }
        List<Entry> entries = new ArrayList<>();
        int k = r.nextInt(4);
        for (int i = 0; i < k; i++) {
          // An entry of term 0 cannot be built (nor encoded): such a case used to throw in the
          // generator and be lost.
          entries.add(
              new Entry(
                  Math.max(1, t2),
                  idx + 1 + i,
                  r.nextBoolean() ? Entry.Type.COMMAND : Entry.Type.NOOP,
                  randomBytes(r, r.nextInt(100))));
        }
        yield new Message.AppendRequest(from, to, term, idx, t2, entries, idx + k);
      }
      case "/raft/heartbeat" -> {
        int kind = r.nextInt(4);
        if (kind == 0) {
          yield new Message.HeartbeatResponse(from, to, term, r.nextInt(100));
        } else if (kind == 1) {
          yield new Message.ReadIndexRequest(from, to, term, r.nextLong());
        } else if (kind == 2) {
          yield new Message.ReadIndexResponse(from, to, term, r.nextLong(), idx);
        }
        yield new Message.Heartbeat(from, to, term, idx, r.nextInt(1000));
      }
      default ->
          r.nextInt(4) == 0
              ? new Message.VoteResponse(from, to, term, true, r.nextBoolean())
              : new Message.VoteRequest(from, to, term, idx, t2, r.nextBoolean());
    };
  }

  private static byte[] safeEncode(List<Message> batch) {
    try {
      return MessageCodec.encode(batch);
    } catch (RuntimeException e) {
      // An id too long for the encoding: send what a sloppy stranger would, garbage of about that
      // size.
      return new byte[64];
    }
  }

  /** Truncates, flips, extends or replaces the encoded body, now and then. */
  private byte[] mutate(Random r, Builder b, byte[] body) {
    switch (r.nextInt(8)) {
      case 0 -> {
        b.note("truncated");
        return Arrays.copyOf(body, r.nextInt(Math.max(1, body.length)));
      }
      case 1 -> {
        byte[] copy = body.clone();
        for (int i = 0; i < 1 + r.nextInt(4) && copy.length > 0; i++) {
          copy[r.nextInt(copy.length)] = (byte) r.nextInt(256);
        }
        b.note("flipped bytes");
        return copy;
      }
      case 2 -> {
        b.note("trailing junk");
        return concat(body, randomBytes(r, 1 + r.nextInt(50)));
      }
      case 3 -> {
        b.note("random bytes");
        return randomBytes(r, r.nextInt(3) == 0 ? 0 : r.nextInt(2000));
      }
      default -> {
        b.note("well-formed");
        return body;
      }
    }
  }

  /**
   * Wraps a Raft body in method, path variant, token and content type, and predicts the filter's
   * exact answer.
   */
  private void rawRaft(Random r, Builder b, String path, byte[] body, boolean withToken) {
    String method =
        r.nextInt(8) == 0 ? pick(r, "GET", "PUT", "DELETE", "HEAD", "OPTIONS", "FOO") : "POST";
    b.method = method;
    String target = path;
    boolean canonical = true;
    if (r.nextInt(8) == 0) {
      target =
          pick(
              r,
              path + "/",
              path + "?x=1",
              path.replace("/raft/", "/raft//"),
              path.toUpperCase(),
              path + "%00",
              path.replace("/raft/", "/raft/./"),
              path + ";jsessionid=1",
              "/kv/../" + path.substring(1));
      canonical = target.equals(path + "?x=1");
      b.note("path variant");
    }
    b.target = target.getBytes(StandardCharsets.ISO_8859_1);
    String type = r.nextInt(6) == 0 ? pick(r, JUNK_TYPES) : "application/octet-stream";
    if (!(r.nextInt(12) == 0)) {
      b.header("Content-Type", type);
    } else {
      type = null;
    }
    String sentToken =
        withToken
            ? token
            : r.nextBoolean()
                ? null
                : pick(r, "wrong", "", token + " ", token.toUpperCase(), token.substring(1));
    if (sentToken != null && token.equals(sentToken.strip()) && actsAsMember(path, body, b.node)) {
      // With the token, a member's id (flipped bytes turn "n4" into "n1") is a member speaking,
      // whom Raft trusts by design: not a stranger.
      sentToken = "wrong";
      b.note("token withheld from a member's id");
    }
    if (sentToken != null) {
      b.header(HttpTransport.CLUSTER_TOKEN_HEADER, sentToken);
    }
    if (r.nextInt(20) == 0) {
      b.declaredLength = MAX_RAFT_BATCH + 1 + r.nextInt(1000);
      b.close = true;
      b.note("declares a huge batch");
    }
    b.body = body;
    if (!canonical) {
      // Not the filter's path: Spring answers (404/405), or Tomcat refuses the path (400).
      b.expect = Expect.refused();
      return;
    }
    if (sentToken == null || !token.equals(sentToken.strip())) {
      // Authentication comes first, so a stranger learns nothing of the protocol. A header value's
      // surrounding whitespace is not part of it (RFC 9110 §5.5): "token " is the token.
      b.expect = Expect.exactly(401);
    } else if (!method.equals("POST")) {
      b.expect = Expect.exactly(405);
    } else if (type == null || !type.startsWith("application/octet-stream")) {
      b.expect = Expect.exactly(415);
    } else if (b.declaredLength > MAX_RAFT_BATCH) {
      b.expect = Expect.exactly(413);
    } else {
      b.expect = Expect.exactly(expectedForAuthenticated(path, body, b.node));
    }
  }

  private boolean actsAsMember(String path, byte[] body, String self) {
    int status = expectedForAuthenticated(path, body, self);
    if (path.equals("/raft/snapshot")) {
      return status == 200;
    }
    if (path.startsWith(STREAM_PREFIX)) {
      return readStream(path, body, self).deliveredMessages();
    }
    try {
      return status == 202 && !MessageCodec.decode(body).isEmpty();
    } catch (MessageCodec.MalformedMessageException e) {
      return false;
    }
  }

  private static final String STREAM_PREFIX = "/raft/stream/";

  /**
   * What a stream's frames come to: the filter's answer, and whether it handed any message to the
   * node first.
   */
  private record StreamOutcome(int status, boolean deliveredMessages) {}

  /** Reads a stream's frames as the filter does: 200 when it reaches the end. */
  private StreamOutcome readStream(String path, byte[] body, String self) {
    String family = "/raft/" + path.substring(STREAM_PREFIX.length());
    boolean delivered = false;
    int at = 0;
    while (body.length - at >= 4) {
      int len =
          ((body[at] & 0xff) << 24)
              | ((body[at + 1] & 0xff) << 16)
              | ((body[at + 2] & 0xff) << 8)
              | (body[at + 3] & 0xff);
      at += 4;
      if (len == 0) {
        continue;
      }
      if (len < 0 || len > MAX_RAFT_BATCH) {
        return new StreamOutcome(413, delivered);
      }
      if (body.length - at < len) {
        return new StreamOutcome(400, delivered);
      }
      byte[] frame = Arrays.copyOfRange(body, at, at + len);
      int status = expectedForAuthenticated(family, frame, self);
      if (status != 202) {
        return new StreamOutcome(status, delivered);
      }
      try {
        delivered |= !MessageCodec.decode(frame).isEmpty();
      } catch (MessageCodec.MalformedMessageException impossible) {
        // expectedForAuthenticated answered 400 for it above
      }
      at += len;
    }
    return new StreamOutcome(200, delivered); // the end of the stream, also inside a frame's length
  }

  private int expectedForAuthenticated(String path, byte[] body, String self) {
    if (path.startsWith(STREAM_PREFIX)) {
      return readStream(path, body, self).status();
    }
    if (path.equals("/raft/snapshot")) {
      try {
        SnapshotChunk c = SnapshotChunk.decode(body);
        return members.contains(c.from()) && self.equals(c.to()) ? 200 : 403;
      } catch (MessageCodec.MalformedMessageException e) {
        return 400;
      }
    }
    List<Message> batch;
    try {
      batch = MessageCodec.decode(body);
    } catch (MessageCodec.MalformedMessageException e) {
      return 400;
    }
    for (Message m : batch) {
      if (!members.contains(m.from()) || !self.equals(m.to())) {
        return 403;
      }
      if (!HttpTransport.pathOf(m).equals(path)) {
        return 400;
      }
    }
    return 202; // only an empty batch can get here: the generator never gives a stranger the token
    // and a member id
  }

  // ------------------------------------------------------------------------------------------
  // /actuator, others

  private void actuator(Random r, Builder b) {
    String p =
        pick(
            r,
            "/actuator",
            "/actuator/health",
            "/actuator/health/liveness",
            "/actuator/health/readiness",
            "/actuator/info",
            "/actuator/prometheus",
            "/actuator/env",
            "/actuator/shutdown",
            "/actuator/heapdump",
            "/actuator/health/raftLoop",
            "/actuator/health/nothing",
            "/actuator/loggers",
            "/actuator/%2e%2e/kv/fz");
    boolean known =
        Set.of(
                "/actuator",
                "/actuator/health",
                "/actuator/health/liveness",
                "/actuator/health/readiness",
                "/actuator/info",
                "/actuator/prometheus",
                "/actuator/health/raftLoop")
            .contains(p);
    String method =
        r.nextInt(3) == 0
            ? pick(r, "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")
            : "GET";
    b.method = method;
    b.target =
        (p
                + (r.nextInt(5) == 0
                    ? pick(r, "?x=%zz", "?format=json", "/", "?" + "q".repeat(5000))
                    : ""))
            .getBytes(StandardCharsets.ISO_8859_1);
    if (r.nextInt(4) == 0) {
      b.header("Accept", pick(r, ACCEPTS));
    }
    if (!method.equals("GET") && !method.equals("HEAD") && r.nextBoolean()) {
      b.header("Content-Type", pick(r, JUNK_TYPES));
      b.body = randomBytes(r, r.nextInt(300));
    }
    b.note("actuator");
    Set<Integer> success = new HashSet<>();
    if (known && (method.equals("GET") || method.equals("HEAD"))) {
      success.add(200);
    }
    if (method.equals("OPTIONS")) {
      success.add(
          200); // Spring answers OPTIONS on every path its actuator mapping covers with the allowed
      // methods
    }
    if (p.equals("/actuator/%2e%2e/kv/fz") && (method.equals("GET") || method.equals("HEAD"))) {
      success.addAll(List.of(200, 404)); // normalised to the key fz
    }
    Expect e = Expect.succeeds(success).orRefused();
    // Readiness (and the overall health, which includes it) is 503 while a node has not applied the
    // last commit it heard of, which under the workload's writes happens for moments: its job to
    // say, not an error.
    b.expect =
        p.equals("/actuator/health") || p.startsWith("/actuator/health/readiness")
            ? e.orProbeDown()
            : e;
  }

  private void unknown(Random r, Builder b) {
    StringBuilder p = new StringBuilder();
    int segments = 1 + r.nextInt(4);
    for (int i = 0; i < segments; i++) {
      p.append('/')
          .append(
              pick(
                  r,
                  "",
                  "admin",
                  "kv2",
                  "raft",
                  "raft/unknown",
                  "api",
                  "error",
                  "%2e%2e",
                  "WEB-INF",
                  "META-INF",
                  "favicon.ico",
                  "index.html",
                  ".env",
                  "kvraft.jar",
                  "..;",
                  "static",
                  "v3",
                  "swagger-ui.html.bak",
                  "\u00e9",
                  "%00",
                  "%c0%af",
                  "*",
                  randomSafe(r, 1 + r.nextInt(30))));
    }
    String path = p.toString();
    if (path.startsWith("/v3/api-docs") || path.startsWith("/swagger-ui")) {
      path = "/x" + path;
    }
    b.method =
        pick(
            r,
            "GET",
            "POST",
            "PUT",
            "DELETE",
            "HEAD",
            "OPTIONS",
            "PATCH",
            "TRACE",
            "PROPFIND",
            "G\u00c9T",
            "CONNECT");
    b.target = path.getBytes(StandardCharsets.UTF_8);
    if (r.nextBoolean()) {
      b.header("Content-Type", pick(r, JUNK_TYPES));
      b.body = randomBytes(r, r.nextInt(500));
    }
    b.note("unknown path");
    // CONNECT asks a proxy to open a tunnel: Tomcat answers 501 Not Implemented, which RFC 9110
    // §9.3.6 and §15.6.2 name as the answer for a method the server does not implement. Every other
    // method is refused with a 4xx.
    b.expect = b.method.equals("CONNECT") ? Expect.exactly(501) : Expect.refused();
  }

  // ------------------------------------------------------------------------------------------
  // helpers

  private static final class Builder {
    final long index;
    final Family family;
    final String node;
    String method;
    byte[] target;
    final List<RawHttp.Header> headers = new ArrayList<>();
    byte[] body;
    long declaredLength = -1;
    boolean close;
    Expect expect;
    long strangerTerm;
    final List<String> notes = new ArrayList<>();

    Builder(long index, Family family, String node) {
      this.index = index;
      this.family = family;
      this.node = node;
    }

    void header(String name, String value) {
      headers.add(new RawHttp.Header(name, value.getBytes(StandardCharsets.UTF_8)));
    }

    boolean has(String name) {
      return headers.stream().anyMatch(h -> h.name().equalsIgnoreCase(name));
    }

    void note(String n) {
      notes.add(n);
    }

    FuzzCase build() {
      return new FuzzCase(
          index,
          family,
          node,
          method,
          target,
          List.copyOf(headers),
          body,
          declaredLength,
          expect,
          strangerTerm,
          String.join(", ", notes));
    }
  }

  private static String encodePath(String key) {
    StringBuilder out = new StringBuilder();
    for (String seg : key.split("/", -1)) {
      if (out.length() > 0) {
        out.append('/');
      }
      out.append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return out.toString();
  }

  private static String randomSafe(Random r, int n) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.~";
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    // "." and ".." are dot segments, not names.
    return b.toString().matches("\\.+") ? "d" + b : b.toString();
  }

  private static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... options) {
    return options[r.nextInt(options.length)];
  }
}
