package io.kvraft.raft.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and verifies every segment at start-up, repairing only what a crash can leave behind.
 *
 * <p>Segments are forced before the next one is started, so only the last segment can hold writes
 * that were in flight at a crash. A bad record there with no valid record after it is such a torn
 * write and is cut off. Anything else (a bad record in an earlier segment, a bad record followed by
 * valid ones, a gap in indexes) cannot come from a crash and stops the node with {@link
 * CorruptLogException}.
 */
final class SegmentLoader {
  private static final Logger log = LoggerFactory.getLogger(SegmentLoader.class);

  private SegmentLoader() {}

  static List<Segment> load(Path dir, boolean fsync) throws IOException {
    List<Segment> found = listInIndexOrder(dir);
    List<Segment> loaded = new ArrayList<>();
    for (int i = 0; i < found.size(); i++) {
      Segment segment = found.get(i);
      boolean last = i == found.size() - 1;
      if (!loaded.isEmpty()) {
        long expected = loaded.get(loaded.size() - 1).lastIndex() + 1;
        if (segment.firstIndex != expected) {
          throw new CorruptLogException(
              segment.path,
              0,
              "segment starts at index "
                  + segment.firstIndex
                  + " but the previous one ends at "
                  + (expected - 1)
                  + ", so entries are missing or duplicated");
        }
      }
      scan(segment, last, fsync);
      if (!last && segment.count() == 0) {
        throw new CorruptLogException(
            segment.path, 0, "a segment that is not the last one holds no records");
      }
      loaded.add(segment);
    }
    if (!loaded.isEmpty() && loaded.get(loaded.size() - 1).count() == 0) {
      // Created just before a crash, nothing in it was ever synced.
      loaded.remove(loaded.size() - 1).delete();
      if (fsync) {
        Directories.fsync(dir);
      }
    }
    return loaded;
  }

  private static List<Segment> listInIndexOrder(Path dir) throws IOException {
    List<Segment> segments = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        OptionalLong firstIndex = Segment.firstIndexOf(file);
        if (firstIndex.isPresent()) {
          segments.add(Segment.existing(file, firstIndex.getAsLong()));
        }
      }
    }
    segments.sort(Comparator.comparingLong(s -> s.firstIndex));
    return segments;
  }

  private static void scan(Segment segment, boolean last, boolean fsync) throws IOException {
    byte[] bytes = Files.readAllBytes(segment.path);
    int at = 0;
    long expected = segment.firstIndex;
    while (at < bytes.length) {
      RecordCodec.Decoded decoded = RecordCodec.decode(bytes, at, bytes.length);
      if (decoded instanceof RecordCodec.Decoded.Valid valid) {
        if (valid.entry().index() != expected) {
          throw new CorruptLogException(
              segment.path,
              at,
              "record holds index "
                  + valid.entry().index()
                  + " where "
                  + expected
                  + " was expected");
        }
        segment.addScannedRecord(at, valid.nextOffset());
        at = valid.nextOffset();
        expected++;
        continue;
      }
      String reason = ((RecordCodec.Decoded.Invalid) decoded).reason();
      long highestPossibleIndex = expected + (bytes.length - at) / RecordCodec.MIN_FRAME;
      boolean validRecordFollows =
          RecordCodec.validFrameAfter(bytes, at, bytes.length, expected, highestPossibleIndex);
      if (last && !validRecordFollows) {
        log.warn(
            "Cutting a torn record off the end of {} at byte offset {} ({}); it was being written when the node"
                + " stopped and was never synced, so dropping its {} bytes loses nothing acknowledged",
            segment.path,
            at,
            reason,
            bytes.length - at);
        segment.truncateToBytes(at, fsync);
        segment.closeChannel();
        return;
      }
      throw new CorruptLogException(
          segment.path,
          at,
          "unreadable record for index "
              + expected
              + " ("
              + reason
              + ") "
              + (last ? "followed by valid records" : "in a sealed segment (not the last one)"));
    }
  }
}
