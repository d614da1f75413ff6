package io.kvraft.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.kvraft.config.HashCheckProperties;
import io.kvraft.config.KvraftConfiguration.PeerTrust;
import io.kvraft.kv.KvCommand;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.Precondition;
import io.kvraft.ops.HashComparison.Outcome;
import io.kvraft.transport.AddressBook;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The check against two peers played by WireMock: which index it compares and what it decides. */
class ReplicaHashCheckTest {
  private final WireMockServer n2 = new WireMockServer(options().dynamicPort());
  private final WireMockServer n3 = new WireMockServer(options().dynamicPort());
  private final KvStateMachine sm = new KvStateMachine();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private ReplicaHashCheck check;

  @BeforeEach
  void start() {
    n2.start();
    n3.start();
    for (long i = 1; i <= 20; i++) {
      sm.apply(
          i,
          new KvCommand.Put(
              null,
              0,
              i,
              "k" + i % 3,
              ("v" + i).getBytes(StandardCharsets.UTF_8),
              Precondition.none()));
    }
    check = checkOf(sm, 100, registry);
  }

  /** The check of member n1, whose peers n2 and n3 are the WireMock servers. */
  private ReplicaHashCheck checkOf(KvStateMachine of, int history, SimpleMeterRegistry meters) {
    Map<String, String> urls = new LinkedHashMap<>();
    urls.put("n1", "http://127.0.0.1:1");
    urls.put("n2", n2.baseUrl());
    urls.put("n3", n3.baseUrl());
    return new ReplicaHashCheck(
        new AddressBook("n1", urls),
        of,
        new HashCheckProperties(Duration.ZERO, history, Duration.ofSeconds(2)),
        new PeerTrust(null),
        new ObjectMapper(),
        meters);
  }

  @AfterEach
  void stop() {
    check.destroy();
    n2.stop();
    n3.stop();
  }

  private String mine(long index) {
    return String.format("%016x", sm.hashes().at(index).orElseThrow());
  }

  private static void answers(WireMockServer peer, String query, long index, String hash) {
    peer.stubFor(
        get(urlEqualTo("/actuator/hash" + query))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"index\":" + index + ",\"hash\":\"" + hash + "\",\"oldest\":1}")));
  }

  @Test
  void peersAtTheSameIndexWithTheSameHashAgree() {
    answers(n2, "", 20, mine(20));
    answers(n3, "", 20, mine(20));
    var v = check.round().orElseThrow();
    assertThat(v.outcome()).isEqualTo(Outcome.AGREE);
    assertThat(v.index()).isEqualTo(20);
    assertThat(sm.hashes().diverged()).isEmpty();
    assertThat(registry.counter("kvraft.state.hash.rounds", "outcome", "agree").count())
        .isEqualTo(1);
  }

  /** Peers behind and ahead: all are compared at the lowest index any of them applied. */
  @Test
  void comparesAtTheLowestAppliedIndexAskingTheOthersForTheirHashThere() {
    answers(n2, "", 15, mine(15));
    answers(n3, "", 30, "00000000000000ff");
    answers(n3, "?index=15", 15, mine(15));
    var v = check.round().orElseThrow();
    assertThat(v.outcome()).isEqualTo(Outcome.AGREE);
    assertThat(v.index()).isEqualTo(15);
    n3.verify(getRequestedFor(urlEqualTo("/actuator/hash?index=15")));
  }

  @Test
  void oneDifferingPeerIsReportedWhileAQuorumConfirmsThisMember() {
    answers(n2, "", 20, mine(20));
    answers(n3, "", 20, "0123456789abcdef");
    var v = check.round().orElseThrow();
    assertThat(v.outcome()).isEqualTo(Outcome.OTHERS_DIFFER);
    assertThat(sm.hashes().diverged()).isEmpty();
  }

  @Test
  void aMemberBothPeersContradictMarksItselfDiverged() {
    answers(n2, "", 20, "0123456789abcdef");
    answers(n3, "", 20, "0123456789abcdef");
    assertThat(check.round().orElseThrow().outcome()).isEqualTo(Outcome.DIVERGED);
    assertThat(sm.hashes().diverged()).get().asString().contains("member n2 has 0123456789abcdef");
    assertThat(registry.get("kvraft.state.diverged").gauge().value()).isEqualTo(1);
  }

  /** With n3 down, n1 and n2 disagree and nothing says which is right: stop serving. */
  @Test
  void anUnsettledMismatchStopsThisMemberToo() {
    answers(n2, "", 20, "0123456789abcdef");
    n3.stop();
    assertThat(check.round().orElseThrow().outcome()).isEqualTo(Outcome.DIVERGED);
  }

  @Test
  void unreachableOrUnknownPeersAreLeftOut() {
    n2.stop();
    n3.stubFor(get(urlEqualTo("/actuator/hash")).willReturn(aResponse().withStatus(404)));
    assertThat(check.round().orElseThrow().outcome()).isEqualTo(Outcome.NOTHING_TO_COMPARE);
    assertThat(check.lastVerdict()).isEmpty();
  }

  /** A peer further behind than this member's history is not compared, and does not drag others. */
  @Test
  void aPeerBehindTheKeptHistoryIsLeftOut() {
    KvStateMachine small = new KvStateMachine(3_600_000, 10, 0, 5);
    for (long i = 1; i <= 20; i++) {
      small.applyNoop(i);
    }
    check.destroy();
    check = checkOf(small, 5, new SimpleMeterRegistry());
    answers(n2, "", 3, "0123456789abcdef");
    answers(n3, "", 20, String.format("%016x", small.hashes().at(20).orElseThrow()));
    var v = check.round().orElseThrow();
    assertThat(v.outcome()).isEqualTo(Outcome.AGREE);
    assertThat(v.index()).isEqualTo(20);
  }
}
