package io.kvraft.ops;

import io.kvraft.node.NodeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * The node's events as Micrometer meters in base units (seconds, bytes): {@code raft.proposals},
 * {@code raft.readindex.rounds}, {@code raft.proposals.rejected}, {@code raft.reads.rejected},
 * {@code raft.elections}, {@code raft.leader.changes}, the storage timers {@code raft.log.append}
 * and {@code raft.log.fsync} with histograms, so Prometheus can compute any percentile, and the
 * snapshot meters {@code raft.snapshot.taken}, {@code raft.snapshot.installed}, {@code
 * raft.snapshot.sent}, {@code raft.snapshot.sent.bytes} and the timer {@code
 * raft.snapshot.duration}.
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
  private final Counter snapshotsTaken;
  private final Counter snapshotsInstalled;
  private final Counter snapshotsSent;
  private final Counter snapshotBytesSent;
  private final Timer snapshotDuration;

  public MicrometerNodeMetrics(MeterRegistry registry) {
    proposals =
        Counter.builder("raft.proposals")
            .description("Commands this node accepted into its log as leader")
            .register(registry);
    proposalsRejected =
        Counter.builder("raft.proposals.rejected")
            .description(
                "Writes refused with 503 because raft.max-pending-proposals or -bytes was reached")
            .register(registry);
    readsRejected =
        Counter.builder("raft.reads.rejected")
            .description(
                "Linearizable reads refused with 503 because raft.max-pending-reads was reached")
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
            .description(
                "Writing one group-commit batch (entries and hard state) to storage, before its fsync")
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
    snapshotsTaken =
        Counter.builder("raft.snapshot.taken")
            .description(
                "Snapshots of the state machine this node wrote (each lets it compact its log)")
            .register(registry);
    snapshotsInstalled =
        Counter.builder("raft.snapshot.installed")
            .description("Snapshots received from a leader that replaced this node's state")
            .register(registry);
    snapshotsSent =
        Counter.builder("raft.snapshot.sent")
            .description("Snapshots this node shipped whole to a follower behind its log")
            .register(registry);
    snapshotBytesSent =
        Counter.builder("raft.snapshot.sent.bytes")
            .description("InstallSnapshot bytes delivered to followers, resent chunks included")
            .baseUnit("bytes")
            .register(registry);
    snapshotDuration =
        Timer.builder("raft.snapshot.duration")
            .description(
                "Writing one snapshot, from capturing the state machine until the file is durable")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
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

  @Override
  public void snapshotTaken(long bytes, long nanos) {
    snapshotsTaken.increment();
    snapshotDuration.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void snapshotInstalled(long bytes) {
    snapshotsInstalled.increment();
  }

  @Override
  public void snapshotSent() {
    snapshotsSent.increment();
  }

  @Override
  public void snapshotChunkSent(int bytes) {
    snapshotBytesSent.increment(bytes);
  }
}
