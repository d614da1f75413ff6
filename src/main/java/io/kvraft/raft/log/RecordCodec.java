package io.kvraft.raft.log;

import io.kvraft.raft.Entry;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Frames log entries as {@code int length | payload | int CRC32C(payload)} with payload {@code long
 * term | long index | byte type | data}. The length comes first so a reader can skip records; the
 * CRC comes last so a record cut short by a crash never verifies.
 */
final class RecordCodec {
  static final int FIXED_PAYLOAD = 8 + 8 + 1;
  static final int MIN_FRAME = 4 + FIXED_PAYLOAD + 4;

  private RecordCodec() {}

  static int frameSize(Entry entry) {
    return MIN_FRAME + entry.data().length;
  }

  static void encode(Entry entry, ByteBuffer out) {
    int payloadStart = out.position() + 4;
    out.putInt(FIXED_PAYLOAD + entry.data().length);
    out.putLong(entry.term());
    out.putLong(entry.index());
    out.put(entry.type().tag());
    out.put(entry.data());
    out.putInt(crc(out.array(), out.arrayOffset() + payloadStart, out.position() - payloadStart));
  }

  /**
   * Result of reading one frame: either an entry and where the next frame starts, or why it is
   * unreadable.
   */
  sealed interface Decoded permits Decoded.Valid, Decoded.Invalid {
    record Valid(Entry entry, int nextOffset) implements Decoded {}

    record Invalid(String reason) implements Decoded {}
  }

  static Decoded decode(byte[] buf, int at, int end) {
    if (end - at < 4) {
      return new Decoded.Invalid("incomplete length field");
    }
    ByteBuffer view = ByteBuffer.wrap(buf, 0, end);
    int length = view.getInt(at);
    if (length < FIXED_PAYLOAD) {
      return new Decoded.Invalid("impossible record length " + length);
    }
    if ((long) end - at - 8 < length) {
      return new Decoded.Invalid("record of " + length + " bytes runs past the end of the file");
    }
    int payload = at + 4;
    if (view.getInt(payload + length) != crc(buf, payload, length)) {
      return new Decoded.Invalid("CRC mismatch");
    }
    long term = view.getLong(payload);
    long index = view.getLong(payload + 8);
    byte tag = buf[payload + 16];
    Entry.Type type = Entry.Type.ofTag(tag);
    if (term < 1 || index < 1 || type == null) {
      return new Decoded.Invalid(
          "checksum is valid but the fields are not (term "
              + term
              + ", index "
              + index
              + ", type tag "
              + tag
              + ")");
    }
    byte[] data = new byte[length - FIXED_PAYLOAD];
    System.arraycopy(buf, payload + FIXED_PAYLOAD, data, 0, data.length);
    Entry entry = new Entry(term, index, type, data);
    return new Decoded.Valid(entry, payload + length + 4);
  }

  /**
   * Whether a plausible record for an index in {@code [minIndex, maxIndex]} starts anywhere after
   * {@code from}. The cheap length and index checks come before the CRC so that scanning garbage
   * stays linear in practice.
   */
  static boolean validFrameAfter(byte[] buf, int from, int end, long minIndex, long maxIndex) {
    ByteBuffer view = ByteBuffer.wrap(buf, 0, end);
    for (int at = from + 1; at <= end - MIN_FRAME; at++) {
      int length = view.getInt(at);
      if (length < FIXED_PAYLOAD || (long) end - at - 8 < length) {
        continue;
      }
      long index = view.getLong(at + 4 + 8);
      if (index < minIndex || index > maxIndex) {
        continue;
      }
      if (decode(buf, at, end) instanceof Decoded.Valid) {
        return true;
      }
    }
    return false;
  }

  private static int crc(byte[] buf, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(buf, offset, length);
    return (int) crc.getValue();
  }
}
