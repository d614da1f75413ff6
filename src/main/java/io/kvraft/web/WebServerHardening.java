package io.kvraft.web;

import org.apache.catalina.Container;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Puts {@link ProblemJsonErrorValve} in place of Tomcat's HTML error report, so that requests Tomcat refuses before
 * any application code runs are answered in the same problem+json as the rest.
 */
@Component
public class WebServerHardening implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    factory.addContextCustomizers(
        context ->
            context.addLifecycleListener(
                event -> {
                  Container host = context.getParent();
                  if (host instanceof StandardHost h) {
                    // Named before the host starts: used instead of the default. Swapped if it already started.
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
