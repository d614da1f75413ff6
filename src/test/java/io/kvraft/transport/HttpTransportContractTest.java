package io.kvraft.transport;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.TestPorts;
import io.kvraft.config.KvProperties;
import io.kvraft.config.RaftProperties;
import io.kvraft.node.RaftNode;
import io.kvraft.transport.endpoint.RaftEndpointFilter;
import io.kvraft.web.RejectionLog;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link Transport} contract over {@link HttpTransport}, as production builds it (streams for
 * appends and heartbeats, posts for votes and snapshot chunks), talking to the real receiving side:
 * each receiver is an embedded Tomcat running {@link RaftEndpointFilter} (cluster token, membership
 * and family checks, wire decoding) in front of a stand-in {@link RaftNode} that records what it is
 * handed. {@link #UNREACHABLE} has an address nothing listens on.
 */
class HttpTransportContractTest extends TransportContractTest {
  private static final String TOKEN = "contract-token";

  @TempDir Path tmp;
  private final List<Tomcat> servers = new ArrayList<>();

  @Override
  Transport start(Map<String, Inbox> inboxes) throws Exception {
    Map<String, String> urls = new LinkedHashMap<>();
    for (String id : List.of(SENDER, UNREACHABLE, B, C)) {
      urls.put(id, "http://127.0.0.1:" + TestPorts.reserve());
    }
    for (Map.Entry<String, Inbox> e : inboxes.entrySet()) {
      String id = e.getKey();
      Tomcat t = new Tomcat();
      t.setBaseDir(tmp.resolve(id).toString());
      t.setPort(Integer.parseInt(urls.get(id).substring(urls.get(id).lastIndexOf(':') + 1)));
      t.getConnector();
      // Every receiver knows every member; its address book names itself as self.
      install(t, filter(new AddressBook(id, urls), e.getValue()));
      servers.add(t);
      t.start();
    }
    return new HttpTransport(
        new AddressBook(SENDER, urls),
        TOKEN,
        Duration.ofSeconds(2),
        10_000,
        64L << 20,
        1L << 20,
        null);
  }

  @Override
  void stop() throws LifecycleException {
    for (Tomcat t : servers) {
      t.stop();
      t.destroy();
    }
  }

  /**
   * The receiving side of a member: the production filter over a node that hands everything to
   * {@code inbox}.
   */
  private static RaftEndpointFilter filter(AddressBook members, Inbox inbox) throws IOException {
    RaftNode node = mock(RaftNode.class);
    doAnswer(
            call -> {
              inbox.receive(call.getArgument(0));
              return null;
            })
        .when(node)
        .receive(anyList());
    when(node.receiveSnapshotChunk(any()))
        .thenAnswer(call -> inbox.receiveChunk(call.getArgument(0)));
    RaftProperties raft =
        new RaftProperties(
            members.self(),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            TOKEN,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    KvProperties kv = new KvProperties(null, null, null, null, null, null, null, null, null);
    return new RaftEndpointFilter(
        node, members, raft, kv, new ObjectMapper(), new RejectionLog(), 200);
  }

  /**
   * Serves {@code filter} on every path (as Spring Boot registers it: async supported) in front of
   * a 404.
   */
  private static void install(Tomcat tomcat, RaftEndpointFilter filter) {
    Context ctx = tomcat.addContext("", null);
    Wrapper none =
        Tomcat.addServlet(
            ctx,
            "none",
            new HttpServlet() {
              @Override
              protected void service(HttpServletRequest req, HttpServletResponse res)
                  throws IOException {
                res.sendError(404);
              }
            });
    none.setAsyncSupported(true);
    ctx.addServletMappingDecoded("/", "none");
    FilterDef def = new FilterDef();
    def.setFilterName("raft");
    def.setFilter(filter);
    def.setAsyncSupported("true");
    ctx.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("raft");
    map.addURLPattern("/*");
    ctx.addFilterMap(map);
  }
}
