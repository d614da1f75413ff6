package io.kvraft.web.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.node.NodeStatus;
import io.kvraft.testing.SpringCluster;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides whether a 503 had a reason the test can see, from the cluster itself rather than from the
 * answer's word: a 503 is "try again", and a service that said it for no reason would pass any
 * oracle that takes it on trust.
 *
 * <p>What can be seen, and so what is accepted:
 *
 * <ul>
 *   <li>An election or a change of leader: {@code raft.elections} and {@code raft.leader.changes}
 *       (which also counts a leader regained after a moment without one) of any member, compared
 *       before the request was sent and after it was answered; a member that knew no leader at
 *       either moment; or a member that stopped. This explains the answers of a request caught by
 *       leadership moving: No Leader, a proposal overtaken ("leadership changed"), and a commit or
 *       read not confirmed in time, or a relay whose leader stopped answering.
 *   <li>Overload (problem type {@code urn:kvraft:problem:overloaded}) only when a member counted a
 *       refused proposal or read ({@code raft.proposals.rejected}, {@code raft.reads.rejected}) in
 *       that window.
 * </ul>
 *
 * <p>What is not accepted, because nothing here can cause it: an Overloaded from the body or relay
 * memory budgets (a sixteenth and an eighth of the heap, against at most five requests of 64 KiB in
 * flight), which count nothing; Too Many Sessions (the cap is 100,000, the test registers a few
 * hundred); and a timeout with the leadership unmoved: a commit on loopback that takes longer than
 * kv.request-timeout (5 s) with a steady leader is a fault to report, not a reason.
 *
 * <p>The counters are published by a member's event loop after the batch that failed the request,
 * so a 503 can reach the test a moment before its reason does: it is looked for for up to {@link
 * #GRACE_MILLIS}. An unrelated election within that moment would be credited too; elections are
 * rare in this test (the summary prints every 503 and its verdict).
 */
final class UnavailabilityWitness {
  static final long GRACE_MILLIS = 1_000;
  private static final String OVERLOADED = "urn:kvraft:problem:overloaded";

  private final SpringCluster cluster;
  private final ObjectMapper json = new ObjectMapper();

  UnavailabilityWitness(SpringCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * What the members show at one moment: per running member, its elections plus leader changes and
   * its refused proposals plus reads; and whether any of them knew no leader.
   */
  record Seen(
      Map<String, Double> leadershipMoves,
      Map<String, Double> overloadRefusals,
      boolean leaderless) {}

  Seen now() {
    Map<String, Double> moves = new HashMap<>();
    Map<String, Double> refusals = new HashMap<>();
    boolean leaderless = false;
    for (String id : cluster.ids()) {
      try {
        if (!cluster.isRunning(id)) {
          continue;
        }
        MeterRegistry meters = cluster.node(id).getBean(MeterRegistry.class);
        moves.put(id, count(meters, "raft.elections") + count(meters, "raft.leader.changes"));
        refusals.put(
            id, count(meters, "raft.proposals.rejected") + count(meters, "raft.reads.rejected"));
        NodeStatus s = cluster.status(id);
        leaderless |= s.leader() == null;
      } catch (IllegalStateException stoppedMeanwhile) {
        // Seen as stopped: absent from the maps.
      }
    }
    return new Seen(moves, refusals, leaderless);
  }

  /**
   * Null when the 503 {@code body}, answered to a request sent when the cluster showed {@code
   * before}, has a visible reason; else why it has none.
   */
  String unexplained(Seen before, String body) throws InterruptedException {
    String type;
    String title;
    try {
      JsonNode problem = json.readTree(body);
      type = problem.path("type").asText("");
      title = problem.path("title").asText("");
    } catch (IOException e) {
      return "a 503 whose body is no problem document";
    }
    boolean overload = type.equals(OVERLOADED);
    if (!overload && before.leaderless()) {
      return null;
    }
    long deadline = System.nanoTime() + GRACE_MILLIS * 1_000_000;
    do {
      Seen after = now();
      boolean seen =
          overload
              ? grew(before.overloadRefusals(), after.overloadRefusals())
              : after.leaderless()
                  || grew(before.leadershipMoves(), after.leadershipMoves())
                  || !after
                      .leadershipMoves()
                      .keySet()
                      .containsAll(before.leadershipMoves().keySet());
      if (seen) {
        return null;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    return overload
        ? "503 Overloaded, but no member refused a proposal or read for its pending bounds"
        : "503 " + title + " with a leader known to every member and no election or leader change";
  }

  /** Some member that runs at both moments counted more at the second. */
  private static boolean grew(Map<String, Double> before, Map<String, Double> after) {
    for (Map.Entry<String, Double> e : before.entrySet()) {
      Double now = after.get(e.getKey());
      if (now != null && now > e.getValue()) {
        return true;
      }
    }
    return false;
  }

  private static double count(MeterRegistry meters, String name) {
    Counter c = meters.find(name).counter();
    return c == null ? 0 : c.count();
  }
}
