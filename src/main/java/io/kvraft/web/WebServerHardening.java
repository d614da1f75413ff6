package io.kvraft.web;

import org.apache.catalina.Container;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.AbstractProtocol;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Puts {@link ProblemJsonErrorValve} in place of Tomcat's HTML error report, so that requests
 * Tomcat refuses before any application code runs are answered in the same problem+json as the
 * rest; and sizes Tomcat's connection limit from the heap.
 *
 * <p>A connection in the middle of a request (a slow body, slow headers) holds about 90 KiB of
 * Tomcat's buffers (measured: 2,000 slow-body connections held 184 MiB live at -Xmx256m, issue 12).
 * Tomcat's default limit of 8192 connections would therefore let slow senders fill a small heap (an
 * OutOfMemoryError, the member gone) before any of them reached kv.body-read-timeout. Unless {@code
 * server.tomcat.max-connections} is set, the limit is a quarter of the heap at that cost (682 at
 * -Xmx256m, 5461 at 2 GiB, never above Tomcat's default); connections past it wait in the accept
 * queue until slow ones are cut off at their deadline.
 */
@Component
public class WebServerHardening
    implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
  static final long BYTES_PER_BUSY_CONNECTION = 96 * 1024;
  private static final int TOMCAT_DEFAULT_MAX_CONNECTIONS = 8192;
  private static final int MIN_CONNECTIONS = 100;

  private final Environment env;

  public WebServerHardening(Environment env) {
    this.env = env;
  }

  /** A quarter of the heap in busy connections, between 100 and Tomcat's default 8192. */
  static int maxConnectionsFor(long maxHeapBytes) {
    long fit = maxHeapBytes / 4 / BYTES_PER_BUSY_CONNECTION;
    return (int) Math.max(MIN_CONNECTIONS, Math.min(TOMCAT_DEFAULT_MAX_CONNECTIONS, fit));
  }

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    if (!env.containsProperty("server.tomcat.max-swallow-size")) {
      // A request answered before its body was read (a refusal: 401, 413, a stream past its bound)
      // has the rest of its body drained by Tomcat after the answer, with blocking reads on a
      // container thread: a slow sender held that thread as long as it trickled. Close such
      // connections instead of draining them.
      factory.addConnectorCustomizers(
          connector -> {
            if (connector.getProtocolHandler()
                instanceof org.apache.coyote.http11.AbstractHttp11Protocol<?> http) {
              http.setMaxSwallowSize(0);
            }
          });
    }
    if (!env.containsProperty("server.tomcat.max-connections")) {
      int max = maxConnectionsFor(Runtime.getRuntime().maxMemory());
      factory.addConnectorCustomizers(
          connector -> {
            if (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol) {
              protocol.setMaxConnections(max);
            }
          });
    }
    factory.addContextCustomizers(
        context ->
            context.addLifecycleListener(
                event -> {
                  Container host = context.getParent();
                  if (host instanceof StandardHost h) {
                    // Named before the host starts: used instead of the default. Swapped if it
                    // already started.
                    h.setErrorReportValveClass(ProblemJsonErrorValve.class.getName());
                    for (Valve v : h.getPipeline().getValves()) {
                      if (v instanceof ErrorReportValve && !(v instanceof ProblemJsonErrorValve)) {
                        h.getPipeline().removeValve(v);
                        h.getPipeline().addValve(new ProblemJsonErrorValve());
                      }
                    }
                  }
                }));
  }
}
