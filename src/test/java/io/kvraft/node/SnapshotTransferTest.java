package io.kvraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.kv.KvApplier;
import io.kvraft.kv.KvCommand;
import io.kvraft.kv.KvCommandCodec;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.Precondition;
import io.kvraft.raft.Configuration;
import io.kvraft.raft.Entry;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.log.FileRaftStorage;
import io.kvraft.raft.log.SnapshotStore;
import io.kvraft.transport.InMemoryNetwork;
import io.kvraft.transport.SnapshotChunk;
import io.kvraft.transport.SnapshotChunk.Reply;
import io.kvraft.transport.SnapshotChunk.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower's InstallSnapshot when the leader changes in the middle of a transfer, driven chunk by
 * chunk: the follower (a real {@link RaftNode} on file storage) first gets part of a snapshot from
 * leader "a", then "b" takes over in a higher term. Whatever "b" sends, the follower ends up with
 * exactly "b"'s snapshot; when "b" sends the same snapshot it resumes where "a" stopped, and bytes
 * of two different images are never installed together.
 */
class SnapshotTransferTest {
  private static final int CHUNK = 64;

  @TempDir Path tmp;

  /**
   * The follower's network: nobody else is on it, so what it sends goes nowhere (the test plays the
   * leaders).
   */
  private final InMemoryNetwork net = new InMemoryNetwork();

  private RaftNode follower;
  private KvStateMachine followerState;

  /** A snapshot a leader would send: its file and the state machine it was written from. */
  private record Source(SnapshotStore store, SnapshotStore.Meta meta, KvStateMachine state) {}

  @BeforeEach
  void startFollower() throws IOException {
    Path dir = tmp.resolve("c");
    followerState = new KvStateMachine();
    follower =
        new RaftNode(
            "c",
            Configuration.ofVoters(List.of("a", "b", "c")),
            // Never campaigns during the test, so only the chunks move its term.
            RaftConfig.defaults().withElectionTicks(100_000).withHeartbeatTicks(2),
            Duration.ofMillis(10),
            FileRaftStorage.open(dir, FileRaftStorage.Options.defaults().withFsync(false)),
            net.attach("c"),
            new KvApplier(followerState),
            new Random(1),
            SnapshotStore.open(dir, false),
            SnapshotPolicy.of(1 << 20, Duration.ZERO).withChunkBytes(CHUNK));
    follower.start();
  }

  @AfterEach
  void stop() {
    follower.close();
    net.close();
  }

  /**
   * A snapshot at index {@code entries} in {@code term} of puts whose values start with {@code
   * tag}.
   */
  private Source snapshot(String leader, int entries, long term, String tag) throws IOException {
    KvStateMachine sm = new KvStateMachine();
    KvApplier applier = new KvApplier(sm);
    for (int i = 1; i <= entries; i++) {
      byte[] cmd =
          KvCommandCodec.encode(
              new KvCommand.Put(
                  null,
                  0,
                  1_000 + i,
                  "k" + (i % 40),
                  (tag + "-" + i).getBytes(StandardCharsets.UTF_8),
                  Precondition.none()));
      applier.apply(Entry.command(term, i, cmd));
    }
    Applier.Image image = applier.capture();
    SnapshotStore store = SnapshotStore.open(tmp.resolve(leader + "-" + tag), false);
    return new Source(store, store.save(image.index(), term, image::writeTo), sm);
  }

  private Reply chunk(String from, long leaderTerm, Source s, long offset, int length)
      throws IOException {
    byte[] data = length == 0 ? new byte[0] : s.store().readChunk(s.meta(), offset, length);
    return follower.receiveSnapshotChunk(
        new SnapshotChunk(
            from,
            "c",
            leaderTerm,
            s.meta().index(),
            s.meta().term(),
            s.meta().length(),
            offset,
            data));
  }

  /**
   * Sends {@code s} from {@code offset} on as a leader would, following the follower's answers;
   * returns bytes sent.
   */
  private long sendFrom(String from, long leaderTerm, Source s, long offset) throws IOException {
    long sent = 0;
    while (true) {
      int n = (int) Math.min(CHUNK, s.meta().length() - offset);
      Reply r = chunk(from, leaderTerm, s, offset, n);
      sent += n;
      if (r.status() != Status.CONTINUE) {
        assertThat(r.status()).isEqualTo(Status.DONE);
        return sent;
      }
      offset = r.nextOffset();
    }
  }

  /** Where the follower says this transfer resumes (an empty chunk asks). */
  private long resumeOffset(String from, long leaderTerm, Source s) throws IOException {
    Reply r = chunk(from, leaderTerm, s, 0, 0);
    assertThat(r.status()).isEqualTo(Status.CONTINUE);
    return r.nextOffset();
  }

  private static byte[] image(KvStateMachine sm) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    sm.writeSnapshot(out);
    return out.toByteArray();
  }

  private void assertInstalled(Source s) throws IOException {
    assertThat(follower.snapshotCounts()[1]).as("snapshots installed").isEqualTo(1);
    assertThat(image(followerState)).isEqualTo(image(s.state()));
    SnapshotStore.Meta installed = follower.latestSnapshot();
    assertThat(installed.index()).isEqualTo(s.meta().index());
    assertThat(installed.term()).isEqualTo(s.meta().term());
    assertThat(Files.readAllBytes(installed.path())).isEqualTo(Files.readAllBytes(s.meta().path()));
    try (Stream<Path> files = Files.list(installed.path().getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    }
  }

  /** "a" sends the first three chunks of {@code s} in term 2, then goes quiet. */
  private void partialTransferFromA(Source s) throws IOException {
    assertThat(resumeOffset("a", 2, s)).isZero();
    for (int i = 0; i < 3; i++) {
      assertThat(chunk("a", 2, s, (long) i * CHUNK, CHUNK).nextOffset())
          .isEqualTo((i + 1L) * CHUNK);
    }
    assertThat(s.meta().length()).isGreaterThan(6L * CHUNK);
  }

  @Test
  void aNewLeaderWithTheSameSnapshotResumesWhereTheOldOneStopped() throws IOException {
    // "b" had installed "a"'s snapshot earlier: the same file under the same (index, term).
    Source s = snapshot("a", 60, 1, "same");
    partialTransferFromA(s);

    long resumeAt = resumeOffset("b", 3, s);
    assertThat(resumeAt).isEqualTo(3L * CHUNK);
    long sentByB = sendFrom("b", 3, s, resumeAt);
    assertThat(sentByB).isEqualTo(s.meta().length() - 3L * CHUNK);
    assertInstalled(s);
  }

  @Test
  void aNewLeaderWithAnotherSnapshotReplacesThePartialOneAndTheOldLeaderIsRefused()
      throws IOException {
    Source fromA = snapshot("a", 60, 1, "old");
    Source fromB = snapshot("b", 80, 2, "new");
    partialTransferFromA(fromA);

    assertThat(resumeOffset("b", 3, fromB)).isZero();
    chunk("b", 3, fromB, 0, CHUNK);
    // The deposed leader's late chunks are refused and do not disturb "b"'s transfer.
    Reply late = chunk("a", 2, fromA, 3L * CHUNK, CHUNK);
    assertThat(late.status()).isEqualTo(Status.REJECTED);
    assertThat(late.term()).isEqualTo(3);
    assertThat(resumeOffset("b", 3, fromB)).isEqualTo(CHUNK);
    sendFrom("b", 3, fromB, CHUNK);
    assertInstalled(fromB);
  }

  @Test
  void bytesOfTwoDifferentImagesUnderOneIndexAndTermAreNeverInstalled() throws IOException {
    // Replicas must write identical images for the same index; if they ever did not, the whole-file
    // checksum keeps a resumed transfer from installing a mix of both: the follower discards it and
    // asks for all of it again.
    Source fromA = snapshot("a", 60, 1, "this");
    Source fromB = snapshot("b", 60, 1, "that");
    assertThat(fromB.meta().length()).isEqualTo(fromA.meta().length());
    partialTransferFromA(fromA);

    long offset = resumeOffset("b", 3, fromB);
    assertThat(offset).isEqualTo(3L * CHUNK);
    Reply r = null;
    while (offset < fromB.meta().length()) {
      int n = (int) Math.min(CHUNK, fromB.meta().length() - offset);
      r = chunk("b", 3, fromB, offset, n);
      assertThat(r.status()).isEqualTo(Status.CONTINUE);
      offset = r.nextOffset();
      if (offset == 0) {
        break;
      }
    }
    assertThat(offset)
        .as("the mixed file failed its checksum, so the transfer starts over")
        .isZero();
    assertThat(follower.snapshotCounts()[1]).isZero();

    sendFrom("b", 3, fromB, 0);
    assertInstalled(fromB);
  }
}
