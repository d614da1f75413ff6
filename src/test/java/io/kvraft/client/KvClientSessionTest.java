package io.kvraft.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How KvClient uses sessions: it registers before its first write (retrying that like any call),
 * sends the issued id, and on 410 throws {@link KvSessionExpiredException} at once (no retry loop),
 * registering anew for the next write.
 */
class KvClientSessionTest {
  /**
   * A scripted node: registrations answer the next scripted status (201 issues "s1", "s2", ...).
   */
  private static final class ScriptedNode implements KvEndpoint {
    final List<Integer> registerAnswers = new ArrayList<>();
    final List<Integer> writeAnswers = new ArrayList<>();
    final List<KvRequest> requests = new ArrayList<>();
    private int issued;

    @Override
    public KvReply call(KvRequest r) {
      requests.add(r);
      if (r.op() == KvRequest.Op.REGISTER) {
        int status = registerAnswers.isEmpty() ? 201 : registerAnswers.remove(0);
        return status == 201
            ? new KvReply(201, ("s" + ++issued).getBytes(StandardCharsets.UTF_8), 0, null, null)
            : new KvReply(status, null, 0, null, "scripted " + status);
      }
      if (r.op() == KvRequest.Op.GET) {
        return new KvReply(404, null, 0, null, "absent");
      }
      int status = writeAnswers.isEmpty() ? 204 : writeAnswers.remove(0);
      return new KvReply(
          status, status == 204 ? new byte[0] : null, 5, null, status == 204 ? null : "gone");
    }

    long count(KvRequest.Op op) {
      return requests.stream().filter(r -> r.op() == op).count();
    }
  }

  private static KvClient client(ScriptedNode node) {
    Map<String, KvEndpoint> eps = new LinkedHashMap<>();
    eps.put("n1", node);
    return new KvClient(eps, Duration.ofSeconds(10));
  }

  @Test
  void registersLazilyBeforeTheFirstWriteAndSendsTheIssuedId() {
    ScriptedNode node = new ScriptedNode();
    try (KvClient c = client(node)) {
      assertThat(c.getString("k")).isEmpty(); // reads need no session
      assertThat(node.count(KvRequest.Op.REGISTER)).isZero();
      assertThat(c.clientId()).isNull();
      c.put("k", "v");
      c.append("k", "w");
      assertThat(c.clientId()).isEqualTo("s1");
    }
    assertThat(node.count(KvRequest.Op.REGISTER)).isEqualTo(1);
    List<KvRequest> writes =
        node.requests.stream()
            .filter(r -> r.op() == KvRequest.Op.PUT || r.op() == KvRequest.Op.APPEND)
            .toList();
    assertThat(writes).extracting(KvRequest::clientId).containsExactly("s1", "s1");
    assertThat(writes).extracting(KvRequest::seq).containsExactly(1L, 2L);
  }

  @Test
  void aRegistrationIsRetriedLikeAnyCall() {
    ScriptedNode node = new ScriptedNode();
    node.registerAnswers.addAll(List.of(503, 503));
    try (KvClient c = client(node)) {
      c.put("k", "v");
    }
    assertThat(node.count(KvRequest.Op.REGISTER)).isEqualTo(3);
    assertThat(node.count(KvRequest.Op.PUT)).isEqualTo(1);
  }

  @Test
  void a410SurfacesAsSessionExpiredWithoutRetryingAndTheNextWriteRegistersAnew() {
    ScriptedNode node = new ScriptedNode();
    node.writeAnswers.add(410);
    try (KvClient c = client(node)) {
      assertThatThrownBy(() -> c.append("k", "x"))
          .isInstanceOfSatisfying(
              KvSessionExpiredException.class,
              e -> {
                assertThat(e.status()).isEqualTo(410);
                assertThat(e.getMessage()).contains("s1").contains("unknown");
              });
      assertThat(node.count(KvRequest.Op.APPEND)).isEqualTo(1); // sent once: no loop
      assertThat(c.clientId()).isNull();
      c.append("k", "y");
      assertThat(c.clientId()).isEqualTo("s2");
    }
    assertThat(node.count(KvRequest.Op.REGISTER)).isEqualTo(2);
    KvRequest last = node.requests.get(node.requests.size() - 1);
    assertThat(last.clientId()).isEqualTo("s2");
    assertThat(last.seq()).isEqualTo(1);
  }

  @Test
  void aRegistrationThatCanNeverSucceedIsReportedNotRetried() {
    ScriptedNode node = new ScriptedNode();
    node.registerAnswers.add(403);
    try (KvClient c = client(node)) {
      assertThatThrownBy(() -> c.put("k", "v"))
          .isInstanceOfSatisfying(
              KvClientException.class, e -> assertThat(e.status()).isEqualTo(403));
    }
    assertThat(node.count(KvRequest.Op.REGISTER)).isEqualTo(1);
    assertThat(node.count(KvRequest.Op.PUT)).isZero();
  }
}
