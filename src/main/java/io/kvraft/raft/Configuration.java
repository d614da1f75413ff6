package io.kvraft.raft;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * Who takes part in the cluster: voters, whose majority decides elections, commitment, ReadIndex
 * and CheckQuorum, and learners, which receive the log but count for none of these. Every majority
 * the core counts is counted here, so that a change of membership changes one value, not the
 * arithmetic at each call site.
 *
 * <p>Invariant: at least one voter; no member is both a voter and a learner.
 */
public final class Configuration {
  /** Outcome of an election given the answers received so far. */
  public enum VoteResult {
    WON,
    LOST,
    PENDING
  }

  private final SortedSet<String> voters;
  private final SortedSet<String> learners;

  private Configuration(Collection<String> voters, Collection<String> learners) {
    this.voters = Collections.unmodifiableSortedSet(new TreeSet<>(voters));
    this.learners = Collections.unmodifiableSortedSet(new TreeSet<>(learners));
    if (this.voters.isEmpty()) {
      throw new IllegalArgumentException("a configuration needs at least one voter");
    }
    for (String l : this.learners) {
      if (this.voters.contains(l)) {
        throw new IllegalArgumentException(l + " cannot be both a voter and a learner");
      }
    }
  }

  public static Configuration of(Collection<String> voters, Collection<String> learners) {
    return new Configuration(voters, learners);
  }

  public static Configuration ofVoters(Collection<String> voters) {
    return new Configuration(voters, Set.of());
  }

  public SortedSet<String> voters() {
    return voters;
  }

  public SortedSet<String> learners() {
    return learners;
  }

  /** Voters and learners, in id order. */
  public SortedSet<String> members() {
    TreeSet<String> all = new TreeSet<>(voters);
    all.addAll(learners);
    return Collections.unmodifiableSortedSet(all);
  }

  public boolean isVoter(String id) {
    return voters.contains(id);
  }

  public boolean isLearner(String id) {
    return learners.contains(id);
  }

  public boolean contains(String id) {
    return voters.contains(id) || learners.contains(id);
  }

  /** How many voters make a majority. */
  public int quorum() {
    return voters.size() / 2 + 1;
  }

  /**
   * The highest index that a majority of voters has acknowledged, given each member's acknowledged
   * index; learners' indexes do not count, whatever they are.
   */
  public long committedIndex(ToLongFunction<String> acknowledged) {
    long[] acks = new long[voters.size()];
    int i = 0;
    for (String v : voters) {
      acks[i++] = acknowledged.applyAsLong(v);
    }
    Arrays.sort(acks);
    return acks[acks.length - quorum()];
  }

  /**
   * The result of an election in which {@code votes} maps each member that answered to whether it
   * granted its vote; answers of non-voters are ignored. LOST as soon as a majority can no longer
   * be reached.
   */
  public VoteResult voteResult(Map<String, Boolean> votes) {
    int granted = 0;
    int rejected = 0;
    for (String v : voters) {
      Boolean vote = votes.get(v);
      if (vote == null) {
        continue;
      }
      if (vote) {
        granted++;
      } else {
        rejected++;
      }
    }
    if (granted >= quorum()) {
      return VoteResult.WON;
    }
    if (voters.size() - rejected < quorum()) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }

  /**
   * Whether {@code ids} include a majority of the voters (CheckQuorum, ReadIndex confirmation
   * rounds).
   */
  public boolean hasQuorum(Set<String> ids) {
    int present = 0;
    for (String v : voters) {
      if (ids.contains(v)) {
        present++;
      }
    }
    return present >= quorum();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Configuration c && c.voters.equals(voters) && c.learners.equals(learners);
  }

  @Override
  public int hashCode() {
    return voters.hashCode() * 31 + learners.hashCode();
  }

  @Override
  public String toString() {
    return learners.isEmpty() ? "voters=" + voters : "voters=" + voters + " learners=" + learners;
  }
}
