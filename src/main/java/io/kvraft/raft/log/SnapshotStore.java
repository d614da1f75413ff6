package io.kvraft.raft.log;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot files in {@code <dataDir>/snapshots/}, named {@code snap-<index>-<term>.snap}. A file is
 * a fixed header (magic, version, index, term, content length, CRC32C of the content) followed by
 * the state machine's image. Files appear only complete: written to a temp file, forced, atomically
 * renamed, directory forced. The newest {@link #RETAIN} are kept so that a damaged newest snapshot,
 * detected by its checksum, leaves the previous one to start from. Snapshots received from a leader
 * are assembled in a partial file keyed by (index, term), so a transfer resumes where it stopped,
 * and join the others by the same rename once verified. A snapshot being sent to a follower is held
 * open ({@link #openForSending}), so pruning it does not break the transfer; its disk space is
 * freed when the transfer ends, so while transfers run a node may hold one more snapshot per
 * follower than it keeps.
 *
 * <p>Methods are synchronized: the snapshot writer, the receiver and the node's loop all use the
 * store.
 */
public final class SnapshotStore {
  public static final String DIR_NAME = "snapshots";

  /**
   * Snapshots kept; the log is compacted only up to the older one, so either can restart the node.
   */
  public static final int RETAIN = 2;

  static final int HEADER_BYTES = 4 + 4 + 8 + 8 + 8 + 4;
  private static final int MAGIC = 0x4b56534e; // "KVSN"
  private static final int VERSION = 1;
  private static final Pattern NAME = Pattern.compile("snap-(\\d{20})-(\\d{20})\\.snap");
  private static final Pattern PARTIAL = Pattern.compile("recv-(\\d{20})-(\\d{20})\\.part");
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);

  /** A complete snapshot file; {@code length} is the size of the whole file, header included. */
  public record Meta(long index, long term, long length, Path path) {}

  /** Writes a state machine image; must not close the stream. */
  @FunctionalInterface
  public interface ContentWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  private final Path dir;
  private final boolean fsync;

  private SnapshotStore(Path dir, boolean fsync) {
    this.dir = dir;
    this.fsync = fsync;
  }

  /** Opens (creating) the snapshot directory and removes temp files a crash left behind. */
  public static SnapshotStore open(Path dataDir, boolean fsync) throws IOException {
    Path dir = dataDir.resolve(DIR_NAME);
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      if (fsync) {
        Directories.fsync(dataDir);
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().endsWith(".tmp")) {
          Files.deleteIfExists(f);
        }
      }
    }
    return new SnapshotStore(dir, fsync);
  }

  /**
   * The complete snapshot files in {@code <dataDir>/snapshots}, without opening a store (none if it
   * is absent).
   */
  static List<Path> snapshotFiles(Path dataDir) throws IOException {
    Path dir = dataDir.resolve(DIR_NAME);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> NAME.matcher(f.getFileName().toString()).matches())
          .sorted()
          .toList();
    }
  }

  public Path directory() {
    return dir;
  }

  // ---------------------------------------------------------------- writing and reading

  /** Writes a snapshot durably and deletes all but the newest {@link #RETAIN}. */
  public synchronized Meta save(long index, long term, ContentWriter content) throws IOException {
    Path temp = dir.resolve(fileName(index, term) + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.position(HEADER_BYTES);
      CrcCountingStream body = new CrcCountingStream(Channels.newOutputStream(ch));
      BufferedOutputStream buffered = new BufferedOutputStream(body, 1 << 16);
      content.writeTo(buffered);
      buffered.flush();
      ByteBuffer header = header(index, term, body.count, (int) body.crc.getValue());
      ch.position(0);
      while (header.hasRemaining()) {
        ch.write(header);
      }
      if (fsync) {
        ch.force(true);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    Meta meta = publish(temp, index, term);
    prune();
    return meta;
  }

  /** All complete snapshot files, newest (highest index) first; not verified. */
  public synchronized List<Meta> list() throws IOException {
    List<Meta> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Matcher m = NAME.matcher(f.getFileName().toString());
        if (m.matches()) {
          out.add(
              new Meta(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Files.size(f), f));
        }
      }
    }
    out.sort(Comparator.comparingLong(Meta::index).thenComparingLong(Meta::term).reversed());
    return out;
  }

  /**
   * The newest snapshot whose header and checksum verify. A damaged one is reported and skipped,
   * never used; the caller checks that the log still reaches back to what it returns.
   */
  public synchronized Optional<Meta> newestValid() throws IOException {
    for (Meta m : list()) {
      try {
        verify(m.path(), m.index(), m.term());
        return Optional.of(m);
      } catch (CorruptLogException e) {
        LOG.error("Ignoring damaged snapshot {}: {}", m.path(), e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** The content of a snapshot (without its header), for the state machine to read. */
  public InputStream openContent(Meta meta) throws IOException {
    InputStream in = Files.newInputStream(meta.path());
    in.skipNBytes(HEADER_BYTES);
    return in;
  }

  /**
   * Opens a snapshot for sending it to a follower. The open file keeps its content readable until
   * {@link Sending#close()}, even if the file is deleted meanwhile (pruned because newer snapshots
   * were written, or by hand): a transfer never loses its file halfway, and the space comes back
   * when it ends.
   *
   * @throws java.nio.file.NoSuchFileException if the file is already gone
   */
  public Sending openForSending(Meta meta) throws IOException {
    return new Sending(meta, FileChannel.open(meta.path(), StandardOpenOption.READ));
  }

  /** A snapshot file held open while it is sent. */
  public static final class Sending implements java.io.Closeable {
    private final Meta meta;
    private final FileChannel channel;
    private final long length;

    private Sending(Meta meta, FileChannel channel) throws IOException {
      this.meta = meta;
      this.channel = channel;
      this.length = channel.size();
    }

    public Meta meta() {
      return meta;
    }

    /** The size of the whole file (header included), as it was opened. */
    public long length() {
      return length;
    }

    /** Reads up to {@code length} bytes of the whole file (header included) from {@code offset}. */
    public byte[] read(long offset, int length) throws IOException {
      ByteBuffer buf =
          ByteBuffer.allocate((int) Math.min(length, Math.max(0, this.length - offset)));
      while (buf.hasRemaining()) {
        if (channel.read(buf, offset + buf.position()) < 0) {
          throw new IOException("snapshot " + meta.path() + " shrank while being sent");
        }
      }
      return buf.array();
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /**
   * Reads {@code length} bytes of the whole file (header included) from {@code offset}, for sending
   * it.
   */
  public byte[] readChunk(Meta meta, long offset, int length) throws IOException {
    try (FileChannel ch = FileChannel.open(meta.path(), StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, Math.max(0, ch.size() - offset)));
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          throw new IOException("snapshot " + meta.path() + " shrank while being read");
        }
      }
      return buf.array();
    }
  }

  /** Checks the header against the expected index and term and the content against its checksum. */
  static void verify(Path file, long index, long term) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
      if (size < HEADER_BYTES) {
        throw new CorruptLogException(file, 0, "snapshot file is only " + size + " bytes long");
      }
      while (header.hasRemaining()) {
        ch.read(header);
      }
      header.flip();
      if (header.getInt() != MAGIC || header.getInt() != VERSION) {
        throw new CorruptLogException(file, 0, "not a kvraft snapshot file of version " + VERSION);
      }
      long hIndex = header.getLong();
      long hTerm = header.getLong();
      long length = header.getLong();
      int crc = header.getInt();
      if (hIndex != index || hTerm != term) {
        throw new CorruptLogException(
            file,
            8,
            "header says "
                + hIndex
                + "@"
                + hTerm
                + " but the snapshot should be "
                + index
                + "@"
                + term);
      }
      if (length != size - HEADER_BYTES) {
        throw new CorruptLogException(
            file, 24, "content length " + length + " but the file holds " + (size - HEADER_BYTES));
      }
      CRC32C actual = new CRC32C();
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      while (ch.read(buf) > 0) {
        buf.flip();
        actual.update(buf);
        buf.clear();
      }
      if ((int) actual.getValue() != crc) {
        throw new CorruptLogException(file, HEADER_BYTES, "snapshot checksum mismatch");
      }
    }
  }

  // ---------------------------------------------------------------- receiving

  /** Bytes already received of the snapshot (index, term): where its transfer resumes. */
  public synchronized long partialSize(long index, long term) throws IOException {
    Path p = partialPath(index, term);
    return Files.exists(p) ? Files.size(p) : 0;
  }

  /**
   * Writes received bytes at {@code offset} (at most the current size, so the file has no holes)
   * and returns the new size. Partial files of other snapshots are deleted: only the newest
   * transfer is worth resuming.
   */
  public synchronized long writePartial(long index, long term, long offset, byte[] data)
      throws IOException {
    Path p = partialPath(index, term);
    deletePartialsExcept(p);
    try (FileChannel ch =
        FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      if (offset > ch.size()) {
        return ch.size();
      }
      ByteBuffer buf = ByteBuffer.wrap(data);
      long at = offset;
      while (buf.hasRemaining()) {
        at += ch.write(buf, at);
      }
      return ch.size();
    }
  }

  /**
   * Forces and verifies a fully received snapshot; a damaged one is deleted so that the transfer
   * restarts.
   */
  public synchronized Path verifyPartial(long index, long term) throws IOException {
    Path p = partialPath(index, term);
    try {
      if (fsync) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
      }
      verify(p, index, term);
      return p;
    } catch (IOException e) {
      Files.deleteIfExists(p);
      throw e;
    }
  }

  /** Makes a verified received snapshot one of the store's (atomic rename, directory forced). */
  public synchronized Meta adoptPartial(long index, long term) throws IOException {
    Meta meta = publish(partialPath(index, term), index, term);
    prune();
    return meta;
  }

  /**
   * The content of a verified received snapshot, for the state machine to read before it is
   * adopted.
   */
  public InputStream openPartialContent(long index, long term) throws IOException {
    InputStream in = Files.newInputStream(partialPath(index, term));
    in.skipNBytes(HEADER_BYTES);
    return in;
  }

  public synchronized void deletePartial(long index, long term) throws IOException {
    Files.deleteIfExists(partialPath(index, term));
  }

  // ---------------------------------------------------------------- helpers

  private Meta publish(Path from, long index, long term) throws IOException {
    Path target = dir.resolve(fileName(index, term));
    Files.move(from, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    if (fsync) {
      Directories.fsync(dir);
    }
    return new Meta(index, term, Files.size(target), target);
  }

  private void prune() throws IOException {
    List<Meta> all = list();
    boolean deleted = false;
    for (int i = RETAIN; i < all.size(); i++) {
      deleted |= Files.deleteIfExists(all.get(i).path());
    }
    if (deleted && fsync) {
      Directories.fsync(dir);
    }
  }

  private void deletePartialsExcept(Path keep) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (PARTIAL.matcher(f.getFileName().toString()).matches() && !f.equals(keep)) {
          try {
            Files.deleteIfExists(f);
          } catch (NoSuchFileException ignored) {
            // gone already
          }
        }
      }
    }
  }

  private Path partialPath(long index, long term) {
    return dir.resolve(String.format("recv-%020d-%020d.part", index, term));
  }

  static String fileName(long index, long term) {
    return String.format("snap-%020d-%020d.snap", index, term);
  }

  private static ByteBuffer header(long index, long term, long length, int crc) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
    b.putInt(MAGIC).putInt(VERSION).putLong(index).putLong(term).putLong(length).putInt(crc);
    b.flip();
    return b;
  }

  /** Counts and checksums what passes through, so the header can be written after the content. */
  private static final class CrcCountingStream extends OutputStream {
    private final OutputStream out;
    final CRC32C crc = new CRC32C();
    long count;

    CrcCountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      crc.update(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      crc.update(b, off, len);
      count += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }
}
