package io.kvraft.raft.log;

import io.kvraft.raft.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One log segment file, named after the index of its first record so that files sort in log order
 * and a gap between files is visible without reading them. Keeps the byte offset of every record so
 * a conflict truncation can cut inside the file without rescanning it.
 */
final class Segment {
  private static final Pattern NAME = Pattern.compile("log-(\\d{20})\\.seg");

  final Path path;
  final long firstIndex;
  private long[] offsets = new long[64];
  private int count;
  private long size;
  private FileChannel channel;

  private Segment(Path path, long firstIndex) {
    this.path = path;
    this.firstIndex = firstIndex;
  }

  static String fileName(long firstIndex) {
    return String.format("log-%020d.seg", firstIndex);
  }

  static OptionalLong firstIndexOf(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
  }

  static Segment existing(Path path, long firstIndex) {
    return new Segment(path, firstIndex);
  }

  static Segment create(Path dir, long firstIndex) throws IOException {
    Segment segment = new Segment(dir.resolve(fileName(firstIndex)), firstIndex);
    segment.channel =
        FileChannel.open(segment.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return segment;
  }

  long lastIndex() {
    return firstIndex + count - 1;
  }

  int count() {
    return count;
  }

  long size() {
    return size;
  }

  long offsetOf(long index) {
    if (index < firstIndex || index > lastIndex()) {
      throw new IllegalArgumentException(index + " not in " + path.getFileName());
    }
    return offsets[(int) (index - firstIndex)];
  }

  /** Registers a record found while scanning the file at open. */
  void addScannedRecord(long offset, long endOffset) {
    addOffset(offset);
    size = endOffset;
  }

  /** Writes already framed records at the end of the file. */
  void write(ByteBuffer frames, int[] frameLengths, int frameCount) throws IOException {
    FileChannel ch = channel();
    long position = size;
    while (frames.hasRemaining()) {
      position += ch.write(frames, position);
    }
    long offset = size;
    for (int i = 0; i < frameCount; i++) {
      addOffset(offset);
      offset += frameLengths[i];
    }
    size = offset;
  }

  /** Cuts the file so that {@code fromIndex} and everything after it is gone. */
  void truncateFrom(long fromIndex, boolean fsync) throws IOException {
    long cut = offsetOf(fromIndex);
    truncateToBytes(cut, fsync);
    count = (int) (fromIndex - firstIndex);
  }

  /** Cuts the file at a byte offset; used for a torn tail found at open. */
  void truncateToBytes(long length, boolean fsync) throws IOException {
    FileChannel ch = channel();
    ch.truncate(length);
    if (fsync) {
      // Durable before anything new is written over the cut: otherwise a crash could resurrect
      // stale records behind new ones.
      ch.force(true);
    }
    size = length;
  }

  /** Reads one record back from the file; used rarely (snapshot term checks), so no caching. */
  Entry readEntry(long index) throws IOException {
    long offset = offsetOf(index);
    long end = index == lastIndex() ? size : offsets[(int) (index - firstIndex) + 1];
    ByteBuffer frame = ByteBuffer.allocate(Math.toIntExact(end - offset));
    try (FileChannel reader = FileChannel.open(path, StandardOpenOption.READ)) {
      while (frame.hasRemaining()) {
        if (reader.read(frame, offset + frame.position()) < 0) {
          break;
        }
      }
    }
    RecordCodec.Decoded decoded = RecordCodec.decode(frame.array(), 0, frame.position());
    if (decoded instanceof RecordCodec.Decoded.Valid valid && valid.entry().index() == index) {
      return valid.entry();
    }
    throw new CorruptLogException(
        path, offset, "record for index " + index + " changed on disk after it was verified");
  }

  void force() throws IOException {
    if (channel != null) {
      channel.force(false);
    }
  }

  void closeChannel() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  void delete() throws IOException {
    closeChannel();
    Files.deleteIfExists(path);
  }

  private FileChannel channel() throws IOException {
    if (channel == null) {
      channel = FileChannel.open(path, StandardOpenOption.WRITE);
    }
    return channel;
  }

  private void addOffset(long offset) {
    if (count == offsets.length) {
      offsets = Arrays.copyOf(offsets, count * 2);
    }
    offsets[count++] = offset;
  }
}
