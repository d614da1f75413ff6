package io.kvraft.kv;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The pieces of a replica's state hash (see {@link StateHashes}). Keys and sessions each add one
 * 64-bit contribution to a sum, so the sum can follow every write in O(1) (subtract what a write
 * replaces, add what it stores) and does not depend on the order entries were stored in: two
 * replicas with the same keys, values, revisions and sessions have the same sum however they got
 * there (by applying the log or by installing a snapshot).
 *
 * <p>Values are hashed with CRC32C (what etcd's HashKV uses, and hardware-accelerated in the JDK);
 * every other field goes through a 64-bit finaliser so that a change in any bit of any field
 * changes the whole contribution. Only a hash shared by all replicas is needed, so the functions
 * are fixed here forever: changing them would make members of different versions disagree.
 */
final class StateDigest {
  private StateDigest() {}

  /** What key {@code key} holding {@code v} adds to the data sum. */
  static long ofKey(String key, Versioned v) {
    CRC32C crc = new CRC32C();
    crc.update(v.value());
    long value = crc.getValue() << 32 | Integer.toUnsignedLong(v.value().length);
    return mix(ofString(key) ^ mix(v.revision() ^ mix(value)));
  }

  /** What a client session adds to the session sum. */
  static long ofSession(String id, ClientSessions.Session s) {
    long result = (long) s.lastResult().status().code << 56 ^ s.lastResult().revision();
    return mix(ofString(id) ^ mix(s.lastSeq() ^ mix(result ^ mix(s.lastActiveMillis()))));
  }

  /** The whole state at {@code index}: both sums and the scalars every replica must agree on. */
  static long ofState(long index, long clock, long size, long dataSum, long sessionSum) {
    return mix(index ^ mix(clock ^ mix(size ^ mix(dataSum ^ mix(sessionSum)))));
  }

  private static long ofString(String s) {
    CRC32C crc = new CRC32C();
    crc.update(s.getBytes(StandardCharsets.UTF_8));
    // String.hashCode is fixed by the Java specification, so it is the same on every member.
    return crc.getValue() << 32 | Integer.toUnsignedLong(s.hashCode());
  }

  /**
   * A bijective 64-bit finaliser (the one MurmurHash3 uses): every input bit moves every output.
   */
  static long mix(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    x ^= x >>> 33;
    return x;
  }
}
