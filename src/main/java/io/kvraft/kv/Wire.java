package io.kvraft.kv;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Binary primitives shared by the command codec and the snapshot format. Unsigned LEB128 varints
 * keep the small numbers that dominate (lengths, seqs, status codes) at one or two bytes. Reads are
 * bounded so that garbage input fails with an IOException instead of allocating huge arrays.
 */
final class Wire {
  /**
   * Upper bound for keys and client ids; far above what the HTTP layer accepts (1 KiB keys, 64-char
   * ids).
   */
  static final int MAX_STRING_BYTES = 64 * 1024;

  private Wire() {}

  static void writeVarLong(DataOutputStream out, long v) throws IOException {
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  static long readVarLong(DataInputStream in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.readUnsignedByte();
      if (shift == 63 && (b & 0xFE) != 0) {
        throw new IOException("varint overflows 64 bits");
      }
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) {
          // Over-long form: rejected so that every value has exactly one encoding.
          throw new IOException("non-canonical varint");
        }
        return v;
      }
    }
    throw new IOException("varint longer than 10 bytes");
  }

  /** A non-negative value that must fit in an int (lengths, counts). */
  static int readLength(DataInputStream in, int max) throws IOException {
    long n = readVarLong(in);
    if (n < 0 || n > max) {
      throw new IOException("length " + n + " out of range [0," + max + "]");
    }
    return (int) n;
  }

  static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    writeVarLong(out, b.length);
    out.write(b);
  }

  static byte[] readBytes(DataInputStream in, int max) throws IOException {
    int n = readLength(in, max);
    // readNBytes allocates as data arrives, so a bogus length on a short stream cannot exhaust
    // memory.
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new EOFException("expected " + n + " bytes, got " + b.length);
    }
    return b;
  }

  static void writeString(DataOutputStream out, String s) throws IOException {
    writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
  }

  static String readString(DataInputStream in) throws IOException {
    return decodeUtf8(readBytes(in, MAX_STRING_BYTES));
  }

  /**
   * Null is encoded as length 0 and a string as length+1, which costs nothing extra for short
   * strings.
   */
  static void writeNullableString(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      writeVarLong(out, 0);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    writeVarLong(out, b.length + 1L);
    out.write(b);
  }

  static String readNullableString(DataInputStream in) throws IOException {
    int n = readLength(in, MAX_STRING_BYTES + 1);
    if (n == 0) {
      return null;
    }
    byte[] b = in.readNBytes(n - 1);
    if (b.length != n - 1) {
      throw new EOFException("truncated string");
    }
    return decodeUtf8(b);
  }

  /** Strict decoding: malformed UTF-8 is corruption, not something to paper over with U+FFFD. */
  private static String decodeUtf8(byte[] b) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(b))
        .toString();
  }
}
