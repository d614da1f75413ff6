package io.kvraft.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides what one round of state-hash comparison says about this member, from its hash and the
 * hashes the other members gave for the same applied index.
 *
 * <p>This member is {@link Outcome#DIVERGED} when some member holds a different hash and fewer than
 * a quorum of the cluster (this member included) share this member's hash. So with one corrupt
 * member in three, the corrupt one condemns itself and the two healthy ones only report it ({@link
 * Outcome#OTHERS_DIFFER}). When a mismatch cannot be settled by a quorum (two members answer and
 * disagree, the third is down) both stop serving: a member cannot tell which of two states is
 * right, and serving a wrong one is the failure this check exists to prevent.
 */
final class HashComparison {
  enum Outcome {
    /** Every member that answered holds this member's hash (at least one answered). */
    AGREE,
    /** Some member differs, and a quorum confirms this member's state. */
    OTHERS_DIFFER,
    /** Some member differs and no quorum confirms this member's state. */
    DIVERGED,
    /** No other member answered for this index. */
    NOTHING_TO_COMPARE
  }

  record Verdict(
      Outcome outcome, long index, long hash, List<String> agreeing, Map<String, Long> differing) {
    String describe() {
      StringBuilder s =
          new StringBuilder("at applied index ")
              .append(index)
              .append(" this member's state hash is ")
              .append(String.format("%016x", hash));
      differing.forEach(
          (id, h) -> s.append("; member ").append(id).append(String.format(" has %016x", h)));
      s.append("; members agreeing with this one: ")
          .append(agreeing.isEmpty() ? "none" : String.join(", ", agreeing));
      return s.toString();
    }
  }

  private HashComparison() {}

  /**
   * @param clusterSize voting members, this one included
   * @param peers hash each other member gave for {@code index} (members that did not answer, or no
   *     longer hold that index, are absent)
   */
  static Verdict decide(int clusterSize, long index, long hash, Map<String, Long> peers) {
    List<String> agreeing = new ArrayList<>();
    Map<String, Long> differing = new TreeMap<>();
    new TreeMap<>(peers)
        .forEach(
            (id, h) -> {
              if (h == hash) {
                agreeing.add(id);
              } else {
                differing.put(id, h);
              }
            });
    Outcome outcome;
    if (peers.isEmpty()) {
      outcome = Outcome.NOTHING_TO_COMPARE;
    } else if (differing.isEmpty()) {
      outcome = Outcome.AGREE;
    } else if (1 + agreeing.size() >= clusterSize / 2 + 1) {
      outcome = Outcome.OTHERS_DIFFER;
    } else {
      outcome = Outcome.DIVERGED;
    }
    return new Verdict(outcome, index, hash, List.copyOf(agreeing), differing);
  }
}
