package io.kvraft.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.config.KvProperties;
import io.kvraft.kv.KvResult;
import io.kvraft.kv.KvService;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.node.NotLeaderException;
import io.kvraft.node.RaftNode;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * {@code POST /sessions}: registers a client session through the Raft log (Raft dissertation §6.3)
 * and answers {@code 201 {"clientId":"<id>"}}, the id also in the {@code Client-Id} header. The id
 * is issued by the cluster from the registration's log index, so it is never reused, and a write
 * naming an id without a live session can be refused (410) instead of being mistaken for a new
 * client's first write. A full session table that has no session idle long enough to evict answers
 * 503 {@code urn:kvraft:problem:too-many-sessions}.
 *
 * <p>Any member takes it: a follower passes it on to the leader like a write. A servlet filter
 * beside {@link KvEndpointFilter}, for the same reasons, answering without holding a container
 * thread while Raft commits.
 */
@Component
public class SessionEndpointFilter implements Filter, Ordered {
  public static final String URI = "/sessions";
  private static final String ALLOW = "POST, OPTIONS";
  private static final byte[] NO_BODY = new byte[0];

  private final KvService kv;
  private final RaftNode node;
  private final LeaderForwarder forwarder;
  private final KvProblems problems;
  private final RejectionLog rejections;
  private final KvRequestMetrics metrics;
  private final ObjectMapper json;
  private final long asyncTimeoutMillis;

  public SessionEndpointFilter(
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
    this.rejections = rejections;
    this.problems = new KvProblems(json, rejections);
    // As for /kv: every answer is bounded by kv.request-timeout or the relay's call timeout; this
    // is a backstop.
    this.asyncTimeoutMillis = 2 * props.requestTimeout().toMillis() + 5_000;
  }

  @Override
  public int getOrder() {
    return KvEndpointFilter.ORDER;
  }

  /** Whether this filter answers the request: its path as sent is exactly {@code /sessions}. */
  static boolean isSessionRequest(HttpServletRequest request) {
    return request.getRequestURI().substring(request.getContextPath().length()).equals(URI);
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)
        || !isSessionRequest(request)) {
      chain.doFilter(req, res);
      return;
    }
    long start = System.nanoTime();
    CompletableFuture<HttpAnswer> answer = route(request);
    if (answer.isDone()) {
      finish(request, response, answer, start);
      return;
    }
    AsyncContext ctx = request.startAsync(request, response);
    ctx.setTimeout(asyncTimeoutMillis);
    AtomicBoolean answered = new AtomicBoolean();
    ctx.addListener(new Backstop(answered, request, response, start));
    answer.whenComplete(
        (a, e) ->
            ctx.start(
                () -> {
                  if (answered.compareAndSet(false, true)) {
                    try {
                      finish(request, response, answer, start);
                    } catch (IOException | RuntimeException gone) {
                      // The client went away; its session stays unused and expires like any idle
                      // one.
                    } finally {
                      completeQuietly(ctx);
                    }
                  }
                }));
  }

  private CompletableFuture<HttpAnswer> route(HttpServletRequest request) {
    String method = request.getMethod();
    if (method.equals("OPTIONS")) {
      return CompletableFuture.completedFuture(HttpAnswer.empty(200).header("Allow", ALLOW));
    }
    if (!method.equals("POST")) {
      rejections.rejected(request, HttpStatus.METHOD_NOT_ALLOWED.value(), "method " + method);
      return CompletableFuture.completedFuture(
          problems
              .problem(
                  HttpStatus.METHOD_NOT_ALLOWED,
                  "Method Not Allowed",
                  "method " + method + " is not supported here; allowed: " + ALLOW,
                  request.getRequestURI())
              .header("Allow", ALLOW));
    }
    String path = request.getRequestURI();
    // Captured now: the answer is built on a Raft thread, which must not touch the servlet request.
    LeaderForwarder.Relay relay =
        request.getHeader(KvHeaders.FORWARDED_BY) == null
            ? LeaderForwarder.Relay.of(request, NO_BODY)
            : null;
    try {
      return kv.register()
          .thenApply(r -> answer(r, path))
          .exceptionallyCompose(
              e -> {
                Throwable cause =
                    e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof NotLeaderException nle
                    && nle.leaderHint() != null
                    && relay != null) {
                  return forwarder.forward(nle.leaderHint(), relay);
                }
                return CompletableFuture.failedFuture(cause);
              });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private HttpAnswer answer(KvResult r, String path) {
    if (r.status() == KvResult.Status.SESSIONS_FULL) {
      return problems.tooManySessions(path);
    }
    if (r.status() != KvResult.Status.OK) {
      throw new IllegalStateException("unexpected registration result " + r);
    }
    String id = KvStateMachine.sessionId(r.revision());
    try {
      return HttpAnswer.of(
              HttpStatus.CREATED.value(),
              MediaType.APPLICATION_JSON_VALUE,
              json.writeValueAsBytes(Map.of("clientId", id)))
          .header(KvHeaders.CLIENT_ID, id);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a session id", e);
    }
  }

  private void finish(
      HttpServletRequest request,
      HttpServletResponse response,
      CompletableFuture<HttpAnswer> answer,
      long start)
      throws IOException {
    HttpAnswer a;
    try {
      a = answer.join();
    } catch (RuntimeException e) {
      a = problems.of(e, request);
    }
    write(request, response, a, start);
  }

  private void write(
      HttpServletRequest request, HttpServletResponse response, HttpAnswer a, long start)
      throws IOException {
    if (a.header(KvHeaders.RAFT_LEADER) == null) {
      String leader = node.status().leader();
      if (leader != null) {
        response.setHeader(KvHeaders.RAFT_LEADER, leader);
      }
    }
    a.writeTo(response, true);
    metrics.record(request.getMethod(), a.status, URI, System.nanoTime() - start);
  }

  private static void completeQuietly(AsyncContext ctx) {
    try {
      ctx.complete();
    } catch (IllegalStateException alreadyDone) {
      // The container completed it (client gone, or the backstop fired first).
    }
  }

  /**
   * Answers 503 if no answer came within the backstop timeout, and stops waiting on container
   * errors.
   */
  private final class Backstop implements AsyncListener {
    private final AtomicBoolean answered;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final long start;

    Backstop(
        AtomicBoolean answered,
        HttpServletRequest request,
        HttpServletResponse response,
        long start) {
      this.answered = answered;
      this.request = request;
      this.response = response;
      this.start = start;
    }

    @Override
    public void onTimeout(AsyncEvent event) throws IOException {
      if (answered.compareAndSet(false, true)) {
        write(
            request,
            response,
            problems.problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "no answer in time; whether a session was registered is unknown",
                request.getRequestURI()),
            start);
        completeQuietly(event.getAsyncContext());
      }
    }

    @Override
    public void onError(AsyncEvent event) {
      answered.set(true);
      completeQuietly(event.getAsyncContext());
    }

    @Override
    public void onComplete(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }
}
