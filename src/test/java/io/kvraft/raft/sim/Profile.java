package io.kvraft.raft.sim;

/**
 * A fault mix. Times are in virtual time units; a node ticks about every {@link Simulator#TICK}
 * units. Per run, the simulator draws the actual rates uniformly up to these maxima, so one profile
 * covers calm and stormy runs.
 *
 * @param durationTicks length of the chaotic phase, in ticks
 * @param maxLatency ordinary one-way message latency is uniform in [1, maxLatency]
 * @param longDelayProb chance a message is held back up to an extra {@code longDelayMax} units
 *     (reordering)
 * @param dropProb per-message loss
 * @param dupProb per-message duplication
 * @param diskDelayMax a write becomes durable uniformly within this many units after it is issued
 *     (FIFO)
 * @param faultMeanTicks mean gap between fault actions (crash, partition, heal)
 * @param wCrash weight of crashing a node among fault actions (partition actions share the rest)
 * @param restartMaxTicks a crashed node restarts within this many ticks
 * @param crashAfterDurableProb chance a node crashes right after a write became durable, before
 *     acknowledging it
 * @param proposeMeanTicks mean gap between client proposals
 * @param readMeanTicks mean gap between client ReadIndex requests
 * @param maxEntriesPerAppend upper bound for the per-run AppendEntries batch size (drawn in [1,
 *     this])
 * @param maxInflight upper bound for the per-run pipelining window (drawn in [1, this])
 * @param checkQuorum whether leaders step down after an election timeout without a majority (off: a
 *     leader cut off in a minority believes it leads until it hears of a newer term)
 */
public record Profile(
    String name,
    int durationTicks,
    int maxLatency,
    double longDelayProb,
    int longDelayMax,
    double dropProb,
    double dupProb,
    int diskDelayMax,
    int faultMeanTicks,
    int wCrash,
    int restartMaxTicks,
    double crashAfterDurableProb,
    int proposeMeanTicks,
    int readMeanTicks,
    int maxEntriesPerAppend,
    int maxInflight,
    boolean checkQuorum) {

  /** Everything at once, moderately. */
  public static final Profile DEFAULT =
      new Profile("DEFAULT", 300, 20, 0.05, 150, 0.10, 0.05, 30, 30, 3, 60, 0.01, 2, 6, 8, 8, true);

  /**
   * Leader churn: tiny batches, frequent crashes and partitions, quick restarts (Figure 8
   * territory).
   */
  public static final Profile CHURN =
      new Profile("CHURN", 300, 20, 0.05, 100, 0.05, 0.02, 20, 8, 6, 15, 0.02, 1, 8, 1, 2, true);

  /** Slow disks with frequent crashes: unsynced state is lost often, and late acks would show. */
  public static final Profile SLOW_DISK =
      new Profile(
          "SLOW_DISK", 300, 20, 0.05, 100, 0.05, 0.02, 60, 10, 8, 15, 0.05, 1, 8, 4, 4, true);

  /**
   * Very stale messages (several election timeouts late), heavy loss and duplication, constant
   * faults.
   */
  public static final Profile STORM =
      new Profile("STORM", 300, 30, 0.2, 800, 0.3, 0.2, 40, 5, 3, 30, 0.02, 1, 4, 8, 8, true);

  /**
   * Deposed leaders: long partitions and no crashes, with CheckQuorum off, so a leader cut off in a
   * minority keeps believing it leads while the majority elects another and commits; frequent reads
   * land on it. Only the ReadIndex heartbeat round keeps those reads from being stale. (With
   * CheckQuorum on, the old leader steps down within two election timeouts and the stale window is
   * a few ticks: the same bug then needs about a thousand seeds to show.)
   */
  public static final Profile DEPOSED =
      new Profile("DEPOSED", 300, 20, 0.0, 100, 0.05, 0.0, 20, 40, 0, 15, 0.0, 2, 1, 8, 8, false);

  public static Profile byName(String name) {
    return switch (name) {
      case "DEFAULT" -> DEFAULT;
      case "CHURN" -> CHURN;
      case "SLOW_DISK" -> SLOW_DISK;
      case "STORM" -> STORM;
      case "DEPOSED" -> DEPOSED;
      default -> throw new IllegalArgumentException("unknown profile " + name);
    };
  }
}
