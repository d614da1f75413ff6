package io.kvraft.transport.endpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.config.KvProperties;
import io.kvraft.config.RaftProperties;
import io.kvraft.kv.InvalidRequestException;
import io.kvraft.node.RaftNode;
import io.kvraft.raft.Message;
import io.kvraft.transport.AddressBook;
import io.kvraft.transport.HttpTransport;
import io.kvraft.transport.MessageCodec;
import io.kvraft.transport.SnapshotChunk;
import io.kvraft.web.BodyReader;
import io.kvraft.web.ProblemJson;
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
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * Node-to-node Raft traffic (design §4): {@code POST /raft/append|heartbeat|vote} with a batch of
 * binary-encoded, one-way messages, answered 202 as soon as the batch is queued for the event loop
 * (replies travel as messages of their own), and {@code POST /raft/snapshot} with one
 * InstallSnapshot chunk, answered with the follower's reply. A batch is accepted only with the
 * cluster token (when one is set, else 401, checked before anything else), from members and
 * addressed to this node (else 403), on the path of its family and well-formed (else 400), and no
 * larger than any member sends (else 413); errors are problem+json like the client API's.
 *
 * <p>A servlet filter rather than a controller: every client write costs the leader several of
 * these requests (followers' acknowledgements), and the benchmark's profile showed Spring MVC
 * dispatch and per-request observation around them costing as much CPU as the client requests
 * themselves. They are therefore not in the {@code http.server.requests} metrics; the {@code
 * raft.*} meters cover them.
 */
@Component
public class RaftEndpointFilter implements Filter, Ordered {
  private static final String SNAPSHOT_PATH = "/raft/snapshot";
  private static final String STREAM_PREFIX = "/raft/stream/";
  private static final int STREAMS_PER_PEER = 8;
  private static final Map<String, String> PATHS =
      Map.of(
          "/raft/append",
          "/raft/append",
          "/raft/heartbeat",
          "/raft/heartbeat",
          "/raft/vote",
          "/raft/vote",
          SNAPSHOT_PATH,
          SNAPSHOT_PATH,
          "/raft/stream/append",
          "/raft/append",
          "/raft/stream/heartbeat",
          "/raft/heartbeat");

  private final RaftNode node;
  private final AddressBook members;
  private final byte[] clusterToken;
  private final long maxBatchBytes;
  private final ObjectMapper json;
  private final RejectionLog rejections;
  private final long bodyReadTimeoutMillis;
  private final Semaphore streams;
  private volatile boolean closing;

  public RaftEndpointFilter(
      RaftNode node,
      AddressBook members,
      RaftProperties raft,
      KvProperties kv,
      ObjectMapper json,
      RejectionLog rejections,
      @Value("${server.tomcat.threads.max:200}") int containerThreads) {
    this.node = node;
    this.members = members;
    this.json = json;
    this.rejections = rejections;
    this.bodyReadTimeoutMillis = kv.bodyReadTimeout().toMillis();
    // Each peer streams two families; room for each to reconnect while its old stream is not yet
    // seen gone. A lone member still takes a few, so that a stream is answered by its checks (a
    // stranger's frames 403) as anywhere. And never more than a quarter of the container's threads,
    // whatever the membership.
    this.streams =
        new Semaphore(
            Math.min(
                STREAMS_PER_PEER * Math.max(1, members.ids().size() - 1),
                Math.max(1, containerThreads / 4)));
    this.clusterToken =
        raft.clusterToken() == null || raft.clusterToken().isEmpty()
            ? null
            : raft.clusterToken().getBytes(StandardCharsets.UTF_8);
    // A batch holds at most one byte limit of entries, plus one oversized entry that travels alone;
    // leave headroom.
    this.maxBatchBytes =
        Math.min(Integer.MAX_VALUE - 1, 4 * raft.maxBytesPerAppend() + (64L << 20));
  }

  /**
   * Ends peers' streams (within a keep-alive period) once the context starts closing: Tomcat's
   * graceful shutdown would otherwise wait for those never-ending requests until it times out.
   */
  @EventListener(ContextClosedEvent.class)
  public void onClose() {
    closing = true;
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    String path = req instanceof HttpServletRequest r ? PATHS.get(r.getRequestURI()) : null;
    if (path == null) {
      chain.doFilter(req, res);
      return;
    }
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    // Authenticate before anything else: a 405 or 415 would teach a caller without the token how
    // the protocol is spoken.
    if (!tokenMatches(request.getHeader(HttpTransport.CLUSTER_TOKEN_HEADER))) {
      problem(request, response, HttpStatus.UNAUTHORIZED, "missing or wrong cluster token");
      return;
    }
    if (!"POST".equals(request.getMethod())) {
      problem(request, response, HttpStatus.METHOD_NOT_ALLOWED, "Raft endpoints take POST only");
      return;
    }
    String type = request.getContentType();
    if (type == null || !type.startsWith(MediaType.APPLICATION_OCTET_STREAM_VALUE)) {
      problem(
          request,
          response,
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          "Raft batches are application/octet-stream");
      return;
    }
    if (request.getRequestURI().startsWith(STREAM_PREFIX)) {
      // A stream holds a container thread for its lifetime, by design: bound how many may, so that
      // streams (a stranger's, when no cluster token is set) can never take every thread.
      if (!streams.tryAcquire()) {
        problem(
            request, response, HttpStatus.SERVICE_UNAVAILABLE, "too many Raft streams are open");
        return;
      }
      try {
        receiveStream(request, response, path);
      } finally {
        streams.release();
      }
      return;
    }
    if (request.getContentLengthLong() > maxBatchBytes) {
      // A stranger must not make us buffer it.
      problem(
          request,
          response,
          HttpStatus.PAYLOAD_TOO_LARGE,
          "Raft message batch exceeds the size limit");
      return;
    }
    readThenReceive(request, response, path);
  }

  /**
   * Reads a posted batch or chunk without holding a container thread while it arrives ({@link
   * BodyReader}; a blocking read held one per slow sender, issue 12), within kv.body-read-timeout
   * (else 408 and the connection closed), then takes it in on the container thread that read its
   * end.
   */
  private void readThenReceive(
      HttpServletRequest request, HttpServletResponse response, String path) throws IOException {
    AsyncContext ctx = request.startAsync(request, response);
    ctx.setTimeout(bodyReadTimeoutMillis);
    AtomicBoolean answered = new AtomicBoolean();
    BodyReader reader =
        new BodyReader(
            request.getInputStream(),
            request.getContentLengthLong(),
            maxBatchBytes,
            null,
            new BodyReader.Outcome() {
              @Override
              public void read(byte[] body) {
                if (answered.compareAndSet(false, true)) {
                  answerThenComplete(ctx, () -> receive(body, path, request, response));
                }
              }

              @Override
              public void failed(RuntimeException why) {
                if (answered.compareAndSet(false, true)) {
                  boolean tooLarge = why instanceof InvalidRequestException e && e.tooLarge();
                  answerThenComplete(
                      ctx,
                      () ->
                          problem(
                              request,
                              response,
                              tooLarge ? HttpStatus.PAYLOAD_TOO_LARGE : HttpStatus.BAD_REQUEST,
                              tooLarge
                                  ? "Raft message batch exceeds the size limit"
                                  : why.getMessage()));
                }
              }
            });
    ctx.addListener(new BodyDeadline(reader, answered, request, response));
    request.getInputStream().setReadListener(reader);
  }

  private interface Answer {
    void write() throws IOException;
  }

  private static void answerThenComplete(AsyncContext ctx, Answer answer) {
    try {
      answer.write();
    } catch (IOException | RuntimeException gone) {
      // The peer went away; it re-sends what matters.
    } finally {
      try {
        ctx.complete();
      } catch (IllegalStateException alreadyDone) {
        // completed by the container (peer gone)
      }
    }
  }

  /**
   * A posted body not complete in time: 408, and the connection closed (the rest of it is never
   * read).
   */
  private final class BodyDeadline implements AsyncListener {
    private final BodyReader reader;
    private final AtomicBoolean answered;
    private final HttpServletRequest request;
    private final HttpServletResponse response;

    BodyDeadline(
        BodyReader reader,
        AtomicBoolean answered,
        HttpServletRequest request,
        HttpServletResponse response) {
      this.reader = reader;
      this.answered = answered;
      this.request = request;
      this.response = response;
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      if (reader.abandon() && answered.compareAndSet(false, true)) {
        response.setHeader("Connection", "close");
        answerThenComplete(
            event.getAsyncContext(),
            () ->
                problem(
                    request,
                    response,
                    HttpStatus.REQUEST_TIMEOUT,
                    "the body was not complete within " + bodyReadTimeoutMillis + " ms"));
      }
    }

    @Override
    public void onError(AsyncEvent event) {
      reader.abandon();
      answered.set(true);
    }

    @Override
    public void onComplete(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }

  /** Takes in a posted batch or snapshot chunk that has been read whole. */
  private void receive(
      byte[] body, String path, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (path.equals(SNAPSHOT_PATH)) {
      installSnapshotChunk(body, request, response);
      return;
    }
    List<Message> batch;
    try {
      batch = MessageCodec.decode(body);
    } catch (MessageCodec.MalformedMessageException e) {
      problem(
          request,
          response,
          HttpStatus.BAD_REQUEST,
          "malformed Raft message batch: " + e.getMessage());
      return;
    }
    Refusal refusal = refusal(batch, path);
    if (refusal != null) {
      problem(request, response, refusal.status(), refusal.detail());
      return;
    }
    node.receive(batch);
    response.setStatus(HttpStatus.ACCEPTED.value());
    response.setContentLength(0);
  }

  /**
   * A peer's long-lived stream of one message family (see {@code StreamLane}): frames of an int
   * length and a batch, read until the peer closes it. Each batch passes the same checks as a
   * posted one; the first bad frame ends the stream with a problem answer, and the peer reconnects.
   */
  private void receiveStream(
      HttpServletRequest request, HttpServletResponse response, String family) throws IOException {
    if (request.getContentLengthLong() > maxBatchBytes) {
      // Members stream with chunked bodies; a declared length this large is no member's.
      problem(
          request,
          response,
          HttpStatus.PAYLOAD_TOO_LARGE,
          "Raft stream declares more than a batch may hold");
      return;
    }
    DataInputStream in =
        new DataInputStream(new BufferedInputStream(request.getInputStream(), 64 * 1024));
    while (true) {
      if (closing) {
        problem(request, response, HttpStatus.SERVICE_UNAVAILABLE, "this node is shutting down");
        return;
      }
      int length;
      try {
        length = in.readInt();
      } catch (EOFException end) {
        response.setStatus(HttpStatus.OK.value());
        response.setContentLength(0);
        return;
      }
      if (length == 0) {
        continue;
      }
      if (length < 0 || length > maxBatchBytes) {
        problem(
            request,
            response,
            HttpStatus.PAYLOAD_TOO_LARGE,
            "Raft stream frame of " + length + " bytes");
        return;
      }
      List<Message> batch;
      try {
        // Decoded off the stream: no frame array, so one copy less of every entry received (issue
        // 12).
        batch = MessageCodec.decode(in, length);
      } catch (MessageCodec.MalformedMessageException e) {
        problem(
            request,
            response,
            HttpStatus.BAD_REQUEST,
            "malformed Raft message batch: " + e.getMessage());
        return;
      }
      Refusal refusal = refusal(batch, family);
      if (refusal != null) {
        problem(request, response, refusal.status(), refusal.detail());
        return;
      }
      node.receive(batch);
    }
  }

  /**
   * Why a batch must be refused, or null: every message from a member, to this node, of the path's
   * family.
   */
  private Refusal refusal(List<Message> batch, String family) {
    for (Message m : batch) {
      if (!members.contains(m.from()) || !members.self().equals(m.to())) {
        return new Refusal(
            HttpStatus.FORBIDDEN, "batch from a non-member or addressed to another node");
      }
      if (!HttpTransport.pathOf(m).equals(family)) {
        return new Refusal(
            HttpStatus.BAD_REQUEST, "message posted to the path of another message family");
      }
    }
    return null;
  }

  private record Refusal(HttpStatus status, String detail) {}

  /**
   * InstallSnapshot, one chunk per POST (see {@link SnapshotChunk}). Unlike the one-way families
   * this answers with the follower's reply: where to resume, or that the snapshot is installed and
   * durable (the last chunk waits).
   */
  private void installSnapshotChunk(
      byte[] body, HttpServletRequest request, HttpServletResponse response) throws IOException {
    SnapshotChunk chunk;
    try {
      chunk = SnapshotChunk.decode(body);
    } catch (MessageCodec.MalformedMessageException e) {
      problem(
          request, response, HttpStatus.BAD_REQUEST, "malformed snapshot chunk: " + e.getMessage());
      return;
    }
    if (!members.contains(chunk.from()) || !members.self().equals(chunk.to())) {
      problem(
          request,
          response,
          HttpStatus.FORBIDDEN,
          "snapshot from a non-member or addressed to another node");
      return;
    }
    byte[] reply;
    try {
      reply = node.receiveSnapshotChunk(chunk).encode();
    } catch (IOException e) {
      problem(
          request,
          response,
          HttpStatus.SERVICE_UNAVAILABLE,
          "cannot take the snapshot now; the leader retries");
      return;
    }
    response.setStatus(HttpStatus.OK.value());
    response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
    response.setContentLength(reply.length);
    response.getOutputStream().write(reply);
  }

  private boolean tokenMatches(String token) {
    return clusterToken == null
        || (token != null
            && MessageDigest.isEqual(clusterToken, token.getBytes(StandardCharsets.UTF_8)));
  }

  private void problem(
      HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail)
      throws IOException {
    rejections.rejected(request, status.value(), detail);
    byte[] bytes =
        ProblemJson.body(json, status, "about:blank", status.getReasonPhrase(), detail, null);
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }
}
