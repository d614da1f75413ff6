package io.kvraft.web;

import io.kvraft.node.NodeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * The node's events as Micrometer meters in base units (seconds, bytes): {@code raft.proposals},
 * {@code raft.readindex.rounds}, {@code raft.proposals.rejected}, {@code raft.reads.rejected}, {@code raft.elections}, {@code raft.leader.changes}, and the storage timers
 * {@code raft.log.append} and {@code raft.log.fsync} with histograms, so Prometheus can compute any percentile.
 */
@Component
public class MicrometerNodeMetrics implements NodeMetrics {
  private final Counter proposals;
  private final Counter readIndexRounds;
  private final Counter proposalsRejected;
  private final Counter readsRejected;
  private final Counter elections;
  private final Counter leaderChanges;
  private final Counter entriesWritten;
  private final Timer append;
  private final Timer fsync;

  public MicrometerNodeMetrics(MeterRegistry registry) {
    proposals =
        Counter.builder("raft.proposals")
            .description("Commands this node accepted into its log as leader")
            .register(registry);
    proposalsRejected =
        Counter.builder("raft.proposals.rejected")
            .description("Writes refused with 503 because raft.max-pending-proposals or -bytes was reached")
            .register(registry);
    readsRejected =
        Counter.builder("raft.reads.rejected")
            .description("Linearizable reads refused with 503 because raft.max-pending-reads was reached")
            .register(registry);
    readIndexRounds =
        Counter.builder("raft.readindex.rounds")
            .description("ReadIndex rounds started; linearizable reads arriving together share one")
            .register(registry);
    elections =
        Counter.builder("raft.elections")
            .description("Elections this node started (terms it raised to campaign)")
            .register(registry);
    leaderChanges =
        Counter.builder("raft.leader.changes")
            .description("Times the leader known to this node changed")
            .register(registry);
    entriesWritten =
        Counter.builder("raft.log.entries.written")
            .description("Log entries written to this node's storage")
            .register(registry);
    append =
        Timer.builder("raft.log.append")
            .description("Writing one group-commit batch (entries and hard state) to storage, before its fsync")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(10_000))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
    fsync =
        Timer.builder("raft.log.fsync")
            .description("One fsync of the Raft log")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(10_000))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
  }

  @Override
  public void proposalAccepted() {
    proposals.increment();
  }

  @Override
  public void proposalRejected() {
    proposalsRejected.increment();
  }

  @Override
  public void readRejected() {
    readsRejected.increment();
  }

  @Override
  public void readIndexRound() {
    readIndexRounds.increment();
  }

  @Override
  public void electionStarted() {
    elections.increment();
  }

  @Override
  public void leaderChanged(String newLeader) {
    leaderChanges.increment();
  }

  @Override
  public void storageWrite(long nanos, int entries) {
    append.record(nanos, TimeUnit.NANOSECONDS);
    entriesWritten.increment(entries);
  }

  @Override
  public void fsync(long nanos) {
    fsync.record(nanos, TimeUnit.NANOSECONDS);
  }
}
