package io.kvraft.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvraft.raft.sim.CoreFactory;
import io.kvraft.raft.sim.Profile;
import io.kvraft.raft.sim.SeedRunner;
import io.kvraft.raft.sim.SimulationFailure;
import io.kvraft.raft.sim.Simulator;
import java.util.EnumSet;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * Proves the simulation has teeth: each deliberate bug in {@link Mutation} is caught within a
 * budget of seeds, and by the invariant that names what the bug breaks, by the same checker that
 * the real core passes (RaftSimulationTest runs the real core through these same profiles). A
 * mutant caught by some other check, by the core's own guards or by an exception would show that
 * the property meant to catch it is blind to it, so that fails too. The profiles only tune the
 * fault mix towards the bug.
 *
 * <p>A budget is ten or more times the seeds the mutant needs on average (the share of the first
 * 100 seeds that catch it is noted at each test), so a change to the simulator that shifts which
 * seeds catch it still leaves a wide margin; a mutant that needs more is one the checks have become
 * blind to.
 */
class MutationTest {

  private static CoreFactory mutant(Mutation m) {
    return (id, members, cfg, random, restored) ->
        new RaftCore(id, members, cfg, random, restored, EnumSet.of(m));
  }

  /** Granting votes to stale candidates lets a leader without committed entries win (68/100). */
  @Test
  void voteWithoutLogCheckBreaksLeaderCompleteness() {
    assertCaught(Mutation.VOTE_WITHOUT_LOG_CHECK, 5, Profile.CHURN, 50, "leader completeness");
  }

  /**
   * Figure 8: an old-term entry committed by counting is missing from a later leader's log. The
   * rarest catch (about 1/100: it needs a leader to commit an old entry and lose leadership before
   * its own term's entry follows), hence the large budget.
   */
  @Test
  void commitOldTermByCountingBreaksLeaderCompleteness() {
    assertCaught(
        Mutation.COMMIT_OLD_TERM_BY_COUNTING, 3, Profile.CHURN, 2000, "leader completeness");
  }

  /**
   * Appends acknowledged before they are durable are forgotten by a crash: an entry counts as
   * committed while a majority of disks does not hold it (90/100; issue 14 item 1 at the core).
   */
  @Test
  void ackBeforePersistBreaksDurability() {
    assertCaught(Mutation.ACK_BEFORE_PERSIST, 3, Profile.SLOW_DISK, 50, "durability");
  }

  /**
   * A leader that answers a ReadIndex without confirming it still leads serves a stale read once a
   * newer leader has committed (19/100 with the deposed leaders of {@link Profile#DEPOSED}).
   */
  @Test
  void readIndexWithoutConfirmationBreaksLinearizableReads() {
    assertCaught(
        Mutation.READ_INDEX_WITHOUT_CONFIRMATION, 3, Profile.DEPOSED, 100, "linearizable read");
  }

  /**
   * Without the prevLogTerm check a follower appends after a prefix that differs from the leader's
   * (37/100).
   */
  @Test
  void noPrevLogTermCheckBreaksLogMatching() {
    assertCaught(Mutation.NO_PREV_LOG_TERM_CHECK, 5, Profile.CHURN, 50, "log matching");
  }

  /**
   * A follower that loads a snapshot it already has everything of sends its state machine back to
   * an older state (11/100: half the runs never compact).
   */
  @Test
  void loadingACoveredSnapshotBreaksStateMachineSafety() {
    assertCaught(Mutation.LOAD_COVERED_SNAPSHOT, 3, Profile.DEFAULT, 100, "state machine safety");
  }

  /**
   * Without PreVote an isolated follower returns with a raised term and deposes a healthy leader.
   */
  @Test
  void noPreVoteIsCaughtByTheRejoinCheck() {
    SimulationFailure f =
        firstFailure(
            Mutation.NO_PRE_VOTE,
            3,
            Profile.DEFAULT,
            true,
            50,
            seed ->
                new Simulator(seed, 3, Profile.DEFAULT, mutant(Mutation.NO_PRE_VOTE)).runRejoin());
    assertThat(f.invariant()).as(f.getMessage()).isEqualTo("disruption");
  }

  /**
   * Replays one mutant run: {@code -Dtest=MutationTest#replay -Dsim.mutation=M -Dsim.seed=N
   * -Dsim.size=S -Dsim.profile=P [-Dsim.rejoin=true]}; it fails with the violation and the trace.
   */
  @Test
  void replay() {
    String m = System.getProperty("sim.mutation");
    assumeTrue(
        m != null && System.getProperty("sim.seed") != null, "set -Dsim.mutation=M -Dsim.seed=N");
    Simulator s =
        new Simulator(
            Long.getLong("sim.seed"),
            Integer.getInteger("sim.size", 5),
            Profile.byName(System.getProperty("sim.profile", "DEFAULT")),
            mutant(Mutation.valueOf(m)));
    if (Boolean.getBoolean("sim.rejoin")) {
      s.runRejoin();
    } else {
      s.run();
    }
  }

  private static void assertCaught(Mutation m, int size, Profile p, int budget, String invariant) {
    SimulationFailure f =
        firstFailure(
            m, size, p, false, budget, seed -> new Simulator(seed, size, p, mutant(m)).run());
    assertThat(f.invariant())
        .as("%s must be caught by %s first, got: %s", m, invariant, f.getMessage())
        .isEqualTo(invariant);
  }

  private static SimulationFailure firstFailure(
      Mutation m,
      int size,
      Profile p,
      boolean rejoin,
      int budget,
      LongFunction<Simulator> oneSeed) {
    SeedRunner.Outcome o = SeedRunner.run(budget, oneSeed);
    assertThat(o.failure()).as("%s not caught within %d seeds", m, budget).isNotNull();
    SimulationFailure f = o.failure();
    System.out.printf(
        "[mutation] %-31s caught after %d/%d seed(s) (seed %d, %d nodes): %s%n"
            + "           replay: -Dtest=MutationTest#replay -Dsim.mutation=%s -Dsim.seed=%d"
            + " -Dsim.size=%d -Dsim.profile=%s%s%n",
        m,
        f.seed() + 1,
        budget,
        f.seed(),
        size,
        f.getMessage().lines().findFirst().orElse(""),
        m,
        f.seed(),
        size,
        p.name(),
        rejoin ? " -Dsim.rejoin=true" : "");
    return f;
  }
}
