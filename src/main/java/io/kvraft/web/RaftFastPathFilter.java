package io.kvraft.web;

import io.kvraft.transport.HttpTransport;
import io.kvraft.transport.MessageCodec;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * Node-to-node batches ({@code POST /raft/append|heartbeat|vote}) skip the Spring MVC dispatch, argument resolution
 * and per-request observation: every client write costs the leader several of these requests (followers' append
 * responses), and the benchmark's profile showed the MVC stack around them costing as much CPU as the client requests
 * themselves. The checks are {@link RaftController#accept}'s, unchanged; a malformed batch or any request this filter
 * does not recognise goes on down the normal chain (with its body replayed), so errors keep their problem+json form.
 * One consequence: these requests no longer appear in the {@code http.server.requests} metrics.
 */
@Component
public class RaftFastPathFilter implements Filter, Ordered {
  private final RaftController controller;

  public RaftFastPathFilter(RaftController controller) {
    this.controller = controller;
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
      chain.doFilter(req, res);
      return;
    }
    String family = familyOf(request);
    if (family == null) {
      chain.doFilter(req, res);
      return;
    }
    byte[] body = request.getInputStream().readAllBytes();
    int status;
    try {
      status = controller.accept(family, request.getHeader(HttpTransport.CLUSTER_TOKEN_HEADER), body);
    } catch (MessageCodec.MalformedMessageException e) {
      chain.doFilter(new ReplayedBody(request, body), res);
      return;
    }
    response.setStatus(status);
    response.setContentLength(0);
  }

  /** "append", "heartbeat" or "vote" for a binary POST on its path, else null. */
  private static String familyOf(HttpServletRequest request) {
    String uri = request.getRequestURI();
    if (!uri.startsWith("/raft/") || !"POST".equals(request.getMethod())) {
      return null;
    }
    String type = request.getContentType();
    if (type == null || !type.startsWith("application/octet-stream") || request.getQueryString() != null) {
      return null;
    }
    return switch (uri) {
      case "/raft/append" -> "append";
      case "/raft/heartbeat" -> "heartbeat";
      case "/raft/vote" -> "vote";
      default -> null;
    };
  }

  /** The request with a body already read, for the handlers further down the chain. */
  private static final class ReplayedBody extends HttpServletRequestWrapper {
    private final byte[] body;

    ReplayedBody(HttpServletRequest request, byte[] body) {
      super(request);
      this.body = body;
    }

    @Override
    public ServletInputStream getInputStream() {
      ByteArrayInputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public int read() {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
          return in.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("synchronous replay only");
        }
      };
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }
  }
}
