package io.kvraft.raft.log;

import io.kvraft.raft.HardState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The small file holding term, vote and snapshot index/term. It is never modified in place: a new
 * version is written to a temp file, forced, and renamed over the old one, so after a crash either
 * the old or the new version is there, whole. Any damage is therefore real corruption, never a
 * crash artefact.
 */
final class HardStateFile {
  static final String NAME = "hardstate";
  static final String TEMP_NAME = "hardstate.tmp";

  private static final int MAGIC = 0x4b565253; // "KVRS"
  private static final int VERSION = 1;
  private static final int NO_VOTE = -1;

  /** Everything the file holds. */
  record Contents(HardState hardState, long snapshotIndex, long snapshotTerm) {
    static final Contents EMPTY = new Contents(HardState.INITIAL, 0, 0);
  }

  private HardStateFile() {}

  /**
   * The stored contents, or empty when there is no file: the caller decides whether that is a new
   * member.
   */
  static Optional<Contents> read(Path dir) throws IOException {
    Path file = dir.resolve(NAME);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    int fixed = 4 + 4 + 8 + 8 + 8 + 4;
    if (bytes.length < fixed + 4) {
      throw new CorruptLogException(
          file, 0, "hard state file is only " + bytes.length + " bytes long");
    }
    int crcAt = bytes.length - 4;
    if (in.getInt(crcAt) != crc(bytes, crcAt)) {
      throw new CorruptLogException(
          file, crcAt, "hard state checksum mismatch (term and vote cannot be trusted)");
    }
    if (in.getInt() != MAGIC || in.getInt() != VERSION) {
      throw new CorruptLogException(file, 0, "not a kvraft hard state file of version " + VERSION);
    }
    long term = in.getLong();
    long snapshotIndex = in.getLong();
    long snapshotTerm = in.getLong();
    int voteLength = in.getInt();
    if (voteLength != crcAt - fixed && !(voteLength == NO_VOTE && crcAt == fixed)) {
      throw new CorruptLogException(
          file, fixed - 4, "vote length " + voteLength + " does not match the file size");
    }
    String votedFor = null;
    if (voteLength != NO_VOTE) {
      votedFor = new String(bytes, fixed, voteLength, StandardCharsets.UTF_8);
    }
    if (term < 0 || snapshotIndex < 0 || snapshotTerm < 0) {
      throw new CorruptLogException(file, 8, "negative term or index");
    }
    return Optional.of(new Contents(new HardState(term, votedFor), snapshotIndex, snapshotTerm));
  }

  static void write(Path dir, Contents contents, boolean fsync) throws IOException {
    String votedFor = contents.hardState().votedFor();
    byte[] vote = votedFor == null ? new byte[0] : votedFor.getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(4 + 4 + 8 + 8 + 8 + 4 + vote.length + 4);
    out.putInt(MAGIC).putInt(VERSION);
    out.putLong(contents.hardState().term());
    out.putLong(contents.snapshotIndex()).putLong(contents.snapshotTerm());
    out.putInt(votedFor == null ? NO_VOTE : vote.length).put(vote);
    out.putInt(crc(out.array(), out.position()));
    out.flip();

    Path temp = dir.resolve(TEMP_NAME);
    try (FileChannel ch =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      while (out.hasRemaining()) {
        ch.write(out);
      }
      if (fsync) {
        ch.force(true);
      }
    }
    Files.move(
        temp,
        dir.resolve(NAME),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    if (fsync) {
      Directories.fsync(dir);
    }
  }

  private static int crc(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }
}
