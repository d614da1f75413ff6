package io.kvraft.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.config.KvProperties;
import io.kvraft.kv.ClientRef;
import io.kvraft.kv.InvalidRequestException;
import io.kvraft.kv.KvResult;
import io.kvraft.kv.KvService;
import io.kvraft.kv.Precondition;
import io.kvraft.node.MemoryBudget;
import io.kvraft.node.NodeStatus;
import io.kvraft.node.OverloadedException;
import io.kvraft.node.RaftNode;
import io.kvraft.raft.Role;
import io.kvraft.web.BodyBudget;
import io.kvraft.web.BodyReader;
import io.kvraft.web.RejectionLog;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.util.UriUtils;

/**
 * The client contract of design §3 on {@code /kv} and {@code /kv/{key}}: raw values (a key may
 * contain slashes), revisions as ETags, compare-and-set with If-Match / If-None-Match, exactly-once
 * writes with Client-Id / Request-Seq, {@code Raft-Leader} on every answer. A follower passes
 * writes on to the leader; reads are answered locally after a ReadIndex barrier.
 *
 * <p>A servlet filter, not a Spring MVC controller, for the same reason as {@link
 * io.kvraft.transport.endpoint.RaftEndpointFilter}: the benchmark's profile (issue #7) put MVC's
 * argument resolution, the async re-dispatch of every deferred answer through the whole filter
 * chain and DispatcherServlet, and the per-request observation at around half of the leader's CPU.
 * Here a request is parsed once, waits without holding a thread, and its answer is written straight
 * from a container thread when Raft completes it. {@link KvRequestMetrics} keeps {@code
 * http.server.requests}.
 */
@Component
public class KvEndpointFilter implements Filter, Ordered {
  /** After client authentication ({@code HIGHEST_PRECEDENCE + 10}), before everything else. */
  public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 20;

  static final String KEY_URI = "/kv/{key}";
  static final String LIST_URI = "/kv";
  private static final String ALLOW_KEY = "GET, HEAD, PUT, POST, DELETE, OPTIONS";
  private static final String ALLOW_LIST = "GET, HEAD, OPTIONS";
  private static final String BODY_ATTRIBUTE = KvEndpointFilter.class.getName() + ".body";

  private final KvService kv;
  private final RaftNode node;
  private final LeaderForwarder forwarder;
  private final KvProblems problems;
  private final RejectionLog rejections;
  private final KvRequestMetrics metrics;
  private final ObjectMapper json;
  private final long asyncTimeoutMillis;
  private final long bodyReadTimeoutMillis;
  private final BodyBudget bodies;

  public KvEndpointFilter(
      KvService kv,
      RaftNode node,
      LeaderForwarder forwarder,
      KvRequestMetrics metrics,
      ObjectMapper json,
      RejectionLog rejections,
      KvProperties props) {
    this.kv = kv;
    this.node = node;
    this.forwarder = forwarder;
    this.metrics = metrics;
    this.json = json;
    this.problems = new KvProblems(json, rejections);
    this.rejections = rejections;
    // Every answer is bounded by kv.request-timeout (or the relay's call timeout) already; this is
    // a backstop.
    this.asyncTimeoutMillis = 2 * props.requestTimeout().toMillis() + 5_000;
    this.bodyReadTimeoutMillis = props.bodyReadTimeout().toMillis();
    this.bodies = new BodyBudget(props.bodyBudgetBytes());
  }

  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)) {
      chain.doFilter(req, res);
      return;
    }
    if (!isKvRequest(request)) {
      // Not ours, even when the container's normalised path is (/actuator/%2e%2e/kv/x): MVC answers
      // 404.
      chain.doFilter(req, res);
      return;
    }
    String raw = rawPath(request);
    boolean list = raw.equals(LIST_URI);
    long start = System.nanoTime();
    String uri = list ? LIST_URI : KEY_URI;
    String path = pathOf(request);
    boolean verbatim = isVerbatim(raw, path);
    if (verbatim && !list && hasBody(request)) {
      readBodyThenRoute(request, response, path, start, uri);
      return;
    }
    CompletableFuture<HttpAnswer> answer =
        verbatim
            ? route(request, list, path)
            : CompletableFuture.failedFuture(
                InvalidRequestException.bad(
                    "a /kv path may not contain '.' or '..' segments or ';' parameters: the key must be the path"
                        + " exactly as sent"));
    if (answer.isDone()) {
      finish(request, response, answer, start, uri);
      return;
    }
    AsyncContext ctx = request.startAsync(request, response);
    ctx.setTimeout(asyncTimeoutMillis);
    Exchange exchange = new Exchange(ctx, request, response, start, uri);
    ctx.addListener(exchange);
    exchange.answerWhenDone(answer);
  }

  /** The methods whose body is the value: read before the request is routed. */
  private static boolean hasBody(HttpServletRequest request) {
    String method = request.getMethod();
    return method.equals("PUT") || method.equals("POST");
  }

  /**
   * Reads the body without holding a container thread ({@link BodyReader}), then routes the request
   * as any other: {@link #readBody} finds the body in a request attribute. The body must be
   * complete within kv.body-read-timeout (else 408, see {@link Exchange#onTimeout}); the wait for
   * Raft's answer gets the backstop timeout after that.
   */
  private void readBodyThenRoute(
      HttpServletRequest request, HttpServletResponse response, String path, long start, String uri)
      throws IOException {
    int limit = kv.limits().maxValueBytes();
    long declared = request.getContentLengthLong();
    if (declared > limit) {
      CompletableFuture<HttpAnswer> tooLarge =
          CompletableFuture.failedFuture(
              InvalidRequestException.tooLarge(
                  "body is " + declared + " bytes; the limit is " + limit));
      finish(request, response, tooLarge, start, uri);
      return;
    }
    AsyncContext ctx = request.startAsync(request, response);
    long asyncStart = System.currentTimeMillis();
    ctx.setTimeout(bodyReadTimeoutMillis);
    Exchange exchange = new Exchange(ctx, request, response, start, uri);
    ctx.addListener(exchange);
    BodyReader reader =
        new BodyReader(
            request.getInputStream(),
            declared,
            limit,
            bodies,
            new BodyReader.Outcome() {
              @Override
              public void read(byte[] body) {
                // Tomcat measures an async timeout from startAsync: the backstop now runs from
                // here.
                ctx.setTimeout(System.currentTimeMillis() - asyncStart + asyncTimeoutMillis);
                request.setAttribute(BODY_ATTRIBUTE, body);
                exchange.answerWhenDone(route(request, false, path));
              }

              @Override
              public void failed(RuntimeException why) {
                exchange.answerWhenDone(CompletableFuture.failedFuture(why));
              }
            });
    exchange.reading(reader);
    request.getInputStream().setReadListener(reader);
  }

  private CompletableFuture<HttpAnswer> route(
      HttpServletRequest request, boolean list, String path) {
    try {
      return list ? list(request) : key(request, path.substring(4));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void finish(
      HttpServletRequest request,
      HttpServletResponse response,
      CompletableFuture<HttpAnswer> answer,
      long start,
      String uri)
      throws IOException {
    HttpAnswer a;
    try {
      a = answer.join();
    } catch (RuntimeException e) {
      a = problems.of(e, request);
    }
    write(request, response, a, start, uri);
  }

  private void write(
      HttpServletRequest request,
      HttpServletResponse response,
      HttpAnswer a,
      long start,
      String uri)
      throws IOException {
    if (a.header(KvHeaders.RAFT_LEADER) == null) {
      String leader = node.status().leader();
      if (leader != null) {
        response.setHeader(KvHeaders.RAFT_LEADER, leader);
      }
    }
    a.writeTo(response, !"HEAD".equals(request.getMethod()));
    metrics.record(request.getMethod(), a.status, uri, System.nanoTime() - start);
  }

  private CompletableFuture<HttpAnswer> key(HttpServletRequest request, String key) {
    String method = request.getMethod();
    if (method.equals("PUT") || method.equals("POST") || method.equals("DELETE")) {
      // Before a follower relays it: a bad key is 400 from any member, also while the leader
      // cannot be reached (a relay would make it 503), and is never sent on.
      kv.limits().checkKey(key);
    }
    return switch (method) {
      case "GET", "HEAD" -> get(request, key);
      case "PUT" -> {
        byte[] value = readBody(request);
        Precondition pre =
            precondition(single(request, "If-Match"), single(request, "If-None-Match"));
        ClientRef client = client(request);
        yield writeOrForward(request, value, () -> kv.put(key, value, pre, client));
      }
      case "POST" -> {
        byte[] value = readBody(request);
        ClientRef client = client(request);
        yield writeOrForward(request, value, () -> kv.append(key, value, client));
      }
      case "DELETE" -> {
        Precondition pre = precondition(single(request, "If-Match"), null);
        ClientRef client = client(request);
        yield writeOrForward(request, new byte[0], () -> kv.delete(key, pre, client));
      }
      case "OPTIONS" ->
          CompletableFuture.completedFuture(HttpAnswer.empty(200).header("Allow", ALLOW_KEY));
      default -> CompletableFuture.completedFuture(methodNotAllowed(request, ALLOW_KEY));
    };
  }

  private CompletableFuture<HttpAnswer> get(HttpServletRequest request, String key) {
    boolean stale = parseConsistency(request.getParameter("consistency"));
    String path = request.getRequestURI();
    return kv.get(key, stale)
        .thenApply(
            v -> {
              if (v.isEmpty()) {
                return problems.problem(
                    HttpStatus.NOT_FOUND, "Not Found", "key not found: " + key, path);
              }
              return HttpAnswer.of(200, MediaType.APPLICATION_OCTET_STREAM_VALUE, v.get().value())
                  .header("ETag", etag(v.get().revision()));
            });
  }

  private CompletableFuture<HttpAnswer> list(HttpServletRequest request) {
    String method = request.getMethod();
    if (method.equals("OPTIONS")) {
      return CompletableFuture.completedFuture(HttpAnswer.empty(200).header("Allow", ALLOW_LIST));
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return CompletableFuture.completedFuture(methodNotAllowed(request, ALLOW_LIST));
    }
    String prefix = request.getParameter("prefix");
    String startAfter = request.getParameter("startAfter");
    int limit = parseLimit(request.getParameter("limit"));
    boolean stale = parseConsistency(request.getParameter("consistency"));
    return kv.keys(prefix == null ? "" : prefix, startAfter, limit, stale)
        .thenApply(
            keys -> {
              Map<String, Object> page = new LinkedHashMap<>();
              page.put("keys", keys);
              if (keys.size() == limit) {
                page.put("next", keys.get(keys.size() - 1));
              }
              try {
                return HttpAnswer.of(
                    200, MediaType.APPLICATION_JSON_VALUE, json.writeValueAsBytes(page));
              } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot encode a key listing", e);
              }
            });
  }

  private CompletableFuture<HttpAnswer> writeOrForward(
      HttpServletRequest request, byte[] body, Supplier<CompletableFuture<KvResult>> write) {
    // Read now: the answer is built on a Raft thread, which must not touch the servlet request.
    String path = request.getRequestURI();
    NodeStatus status = node.status();
    String leader = status.leader();
    if (request.getHeader(KvHeaders.FORWARDED_BY) == null
        && status.role() != Role.LEADER
        && leader != null
        && !leader.equals(status.id())) {
      // A follower passes the write on at once, holding the body only while it is relayed. It used
      // to propose first and relay on NotLeader, so every request, the leader's own included, kept
      // its body in a closure for as long as its proposal lived: a second copy of every value in
      // flight on the leader (issue 12).
      return relay(leader, LeaderForwarder.Relay.of(request, body));
    }
    // Served here. Nothing keeps the body once it is encoded into the proposal; should leadership
    // have moved meanwhile, the client is told where to (503 No Leader with Raft-Leader) instead of
    // a relay being kept for it.
    return write.get().thenApply(r -> writeAnswer(r, path));
  }

  /**
   * Relays a write to the leader while the member's memory budget has room for its body (else 503
   * Overloaded).
   */
  private CompletableFuture<HttpAnswer> relay(String leader, LeaderForwarder.Relay relay) {
    MemoryBudget memory = node.memoryBudget();
    long bytes = relay.body().length;
    if (!memory.tryReserve(bytes)) {
      return CompletableFuture.failedFuture(
          new OverloadedException(
              "node "
                  + node.id()
                  + " "
                  + memory.describe()
                  + "; the write was not relayed, retry shortly"));
    }
    CompletableFuture<HttpAnswer> relayed;
    try {
      relayed = forwarder.forward(leader, relay);
    } catch (RuntimeException e) {
      memory.release(bytes);
      throw e;
    }
    return relayed.whenComplete((answer, failure) -> memory.release(bytes));
  }

  private HttpAnswer writeAnswer(KvResult r, String path) {
    return switch (r.status()) {
      case OK, NOT_FOUND ->
          r.revision() > 0
              ? HttpAnswer.empty(204).header("ETag", etag(r.revision()))
              : HttpAnswer.empty(204);
      case PRECONDITION_FAILED ->
          problems
              .problem(
                  HttpStatus.PRECONDITION_FAILED,
                  "Precondition Failed",
                  r.revision() == 0
                      ? "the key does not exist"
                      : "the key's revision is " + r.revision(),
                  path)
              .header("ETag", r.revision() > 0 ? etag(r.revision()) : null);
      case STALE_REQUEST ->
          problems.problem(
              HttpStatus.CONFLICT,
              "Stale Request",
              "Request-Seq is older than this client's last applied request; its answer is no longer kept",
              path);
      case SESSION_EXPIRED -> problems.sessionExpired(path);
      case SESSIONS_FULL ->
          throw new IllegalStateException("a write is not a session registration: " + r);
    };
  }

  private HttpAnswer methodNotAllowed(HttpServletRequest request, String allow) {
    rejections.rejected(
        request, HttpStatus.METHOD_NOT_ALLOWED.value(), "method " + request.getMethod());
    return problems
        .problem(
            HttpStatus.METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "method " + request.getMethod() + " is not supported here; allowed: " + allow,
            request.getRequestURI())
        .header("Allow", allow);
  }

  /**
   * Whether this filter answers the request: its path as sent is {@code /kv} or below {@code /kv/}.
   */
  static boolean isKvRequest(HttpServletRequest request) {
    String raw = rawPath(request);
    return raw.equals(LIST_URI) || raw.startsWith("/kv/");
  }

  private static String rawPath(HttpServletRequest request) {
    return request.getRequestURI().substring(request.getContextPath().length());
  }

  /**
   * Whether the container's decoded, normalised path is the raw path merely decoded. Were it not
   * (dot segments, {@code ;params}), the server would read another key than clients and proxies
   * that do not normalise, and a proxy rule for one path could be walked around through another.
   */
  private static boolean isVerbatim(String raw, String path) {
    if (raw.indexOf('%') < 0) {
      return raw.equals(path);
    }
    try {
      return UriUtils.decode(raw, StandardCharsets.UTF_8).equals(path);
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }

  /** The decoded path below the context path, with {@code ;params} removed by the container. */
  private static String pathOf(HttpServletRequest request) {
    String servletPath = request.getServletPath();
    String info = request.getPathInfo();
    return info == null ? servletPath : servletPath + info;
  }

  static String etag(long revision) {
    return "\"" + revision + "\"";
  }

  /**
   * An absent or empty parameter takes its default, as it did under Spring MVC's {@code
   * defaultValue}.
   */
  private static boolean parseConsistency(String c) {
    if (c == null || c.isEmpty()) {
      return false;
    }
    return switch (c) {
      case "stale" -> true;
      case "linearizable" -> false;
      default -> throw InvalidRequestException.bad("consistency must be 'linearizable' or 'stale'");
    };
  }

  private static int parseLimit(String limit) {
    if (limit == null || limit.isEmpty()) {
      return 100;
    }
    try {
      return Integer.parseInt(limit.trim());
    } catch (NumberFormatException e) {
      throw InvalidRequestException.bad("limit must be an integer");
    }
  }

  static Precondition precondition(String ifMatch, String ifNoneMatch) {
    if (ifMatch != null && ifNoneMatch != null) {
      throw InvalidRequestException.bad("give If-Match or If-None-Match, not both");
    }
    if (ifNoneMatch != null) {
      if (!ifNoneMatch.trim().equals("*")) {
        throw InvalidRequestException.bad("If-None-Match supports only '*' (create if absent)");
      }
      return Precondition.ifNoneMatch();
    }
    if (ifMatch != null) {
      String t = ifMatch.trim();
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
        t = t.substring(1, t.length() - 1);
      }
      try {
        long rev = Long.parseLong(t);
        if (rev <= 0) {
          throw new NumberFormatException();
        }
        return Precondition.ifMatch(rev);
      } catch (NumberFormatException e) {
        throw InvalidRequestException.bad("If-Match must be a revision ETag such as \"42\"");
      }
    }
    return Precondition.none();
  }

  static ClientRef client(HttpServletRequest request) {
    String id = single(request, KvHeaders.CLIENT_ID);
    String seq = single(request, KvHeaders.REQUEST_SEQ);
    if (id == null && seq == null) {
      return ClientRef.NONE;
    }
    if (id == null) {
      throw InvalidRequestException.bad("Request-Seq needs a Client-Id");
    }
    if (seq == null) {
      throw InvalidRequestException.bad("Client-Id needs a Request-Seq");
    }
    try {
      return new ClientRef(id, Long.parseLong(seq.trim()));
    } catch (NumberFormatException e) {
      throw InvalidRequestException.bad("Request-Seq must be a positive integer");
    }
  }

  /**
   * A header that may be given once; a repeated one is ambiguous (which revision, which client?)
   * and refused.
   */
  private static String single(HttpServletRequest request, String name) {
    Enumeration<String> values = request.getHeaders(name);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String first = values.nextElement();
    if (values.hasMoreElements()) {
      throw InvalidRequestException.bad(name + " may be given only once");
    }
    return first;
  }

  /**
   * The body {@link #readBodyThenRoute} read, without a container thread, before it routed the
   * request.
   */
  private static byte[] readBody(HttpServletRequest request) {
    byte[] body = (byte[]) request.getAttribute(BODY_ATTRIBUTE);
    if (body == null) {
      throw new IllegalStateException(request.getMethod() + " routed before its body was read");
    }
    return body;
  }

  private static void completeQuietly(AsyncContext ctx) {
    try {
      ctx.complete();
    } catch (IllegalStateException alreadyDone) {
      // The container completed it (client gone, or the backstop fired first).
    }
  }

  /**
   * One asynchronous request: writes its answer once (whichever comes first of the answer, the
   * body-read deadline and the backstop timeout), from a container thread, and completes it.
   */
  private final class Exchange implements AsyncListener {
    private final AsyncContext ctx;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final long start;
    private final String uri;
    private final AtomicBoolean answered = new AtomicBoolean();
    private volatile BodyReader body;

    Exchange(
        AsyncContext ctx,
        HttpServletRequest request,
        HttpServletResponse response,
        long start,
        String uri) {
      this.ctx = ctx;
      this.request = request;
      this.response = response;
      this.start = start;
      this.uri = uri;
    }

    /**
     * The request's body is being read by {@code reader}: a timeout before it is done is the body's
     * deadline.
     */
    void reading(BodyReader reader) {
      this.body = reader;
    }

    /**
     * Writes the answer when it is there: at once on this container thread if it is, else on one of
     * Tomcat's.
     */
    void answerWhenDone(CompletableFuture<HttpAnswer> answer) {
      if (answer.isDone()) {
        answer(answer);
      } else {
        answer.whenComplete((a, e) -> ctx.start(() -> answer(answer)));
      }
    }

    private void answer(CompletableFuture<HttpAnswer> answer) {
      if (answered.compareAndSet(false, true)) {
        try {
          finish(request, response, answer, start, uri);
        } catch (IOException | RuntimeException gone) {
          // The client went away; the outcome stands and a retry with its Request-Seq is safe.
        } finally {
          completeQuietly(ctx);
        }
      }
    }

    /**
     * The body-read deadline (while the body is still arriving: 408, nothing applied, and the
     * connection closed, as the rest of the body will not be read) or the backstop (an answer never
     * came: 503, outcome unknown).
     */
    @Override
    public void onTimeout(AsyncEvent event) throws IOException {
      if (!answered.compareAndSet(false, true)) {
        return;
      }
      HttpAnswer a;
      if (body != null && body.abandon()) {
        String detail =
            "the request body was not complete within "
                + bodyReadTimeoutMillis
                + " ms ("
                + body.received()
                + " bytes arrived); nothing was applied";
        rejections.rejected(request, HttpStatus.REQUEST_TIMEOUT.value(), detail);
        a =
            problems
                .problem(
                    HttpStatus.REQUEST_TIMEOUT, "Request Timeout", detail, request.getRequestURI())
                .header("Connection", "close");
      } else {
        a =
            problems.problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "no answer in time; the outcome is unknown",
                request.getRequestURI());
      }
      try {
        write(request, response, a, start, uri);
      } finally {
        completeQuietly(event.getAsyncContext());
      }
    }

    @Override
    public void onError(AsyncEvent event) {
      answered.set(true);
      if (body != null) {
        body.abandon();
      }
      completeQuietly(event.getAsyncContext());
    }

    @Override
    public void onComplete(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }
}
