package io.kvraft.linearizability;

import java.util.List;

/**
 * What the service answered, as the model reads it. A revision is the log index of the write that
 * produced a key's state (the ETag); revisions start at 1, so 0 always means "none".
 *
 * <p>Histories recorded before revisions were modelled use {@link #value(String)} (revision not
 * recorded, "" for an absent key) and {@link #ack()} (a write succeeded at an unrecorded revision);
 * the model accepts both, checking what they say and nothing more.
 */
public sealed interface KvOutput {
  /**
   * A get found the key: its value and revision (200 with an ETag). {@code revision == 0}: not
   * recorded; then an absent key reads as "", since such a history cannot tell absent from empty.
   */
  record Value(String value, long revision) implements KvOutput {
    public Value {
      if (value == null) {
        throw new IllegalArgumentException(
            "a read value is never null; use absent() for a missing key");
      }
      if (revision < 0) {
        throw new IllegalArgumentException("negative revision " + revision);
      }
    }

    public Value(String value) {
      this(value, 0);
    }

    boolean revisionRecorded() {
      return revision > 0;
    }

    @Override
    public String toString() {
      return "'" + value + "'" + (revision > 0 ? "@" + revision : "");
    }
  }

  /** A get found no key (404). */
  record Absent() implements KvOutput {
    @Override
    public String toString() {
      return "absent";
    }
  }

  /** A write succeeded; its revision was not recorded. */
  record Ack() implements KvOutput {
    @Override
    public String toString() {
      return "ok";
    }
  }

  /**
   * A write succeeded at log index {@code revision} (its ETag): the key's new revision, or for a
   * delete the index it was deleted at.
   */
  record Ok(long revision) implements KvOutput {
    public Ok {
      if (revision < 1) {
        throw new IllegalArgumentException("revisions start at 1: " + revision);
      }
    }

    @Override
    public String toString() {
      return "ok@" + revision;
    }
  }

  /**
   * 412: the condition did not hold; {@code current} is the key's revision then (its ETag), 0 when
   * the key was absent (no ETag).
   */
  record PreconditionFailed(long current) implements KvOutput {
    public PreconditionFailed {
      if (current < 0) {
        throw new IllegalArgumentException("negative revision " + current);
      }
    }

    @Override
    public String toString() {
      return "412" + (current > 0 ? "@" + current : "");
    }
  }

  /** An unconditional delete found nothing to delete (204 without an ETag); nothing changed. */
  record NothingToDelete() implements KvOutput {
    @Override
    public String toString() {
      return "nothing to delete";
    }
  }

  /** A listing page: the keys in the order the service gave them. */
  record Keys(List<String> keys) implements KvOutput {
    public Keys {
      keys = List.copyOf(keys);
    }

    @Override
    public String toString() {
      return keys.toString();
    }
  }

  Ack ACK = new Ack();
  Absent ABSENT = new Absent();
  NothingToDelete NOTHING_TO_DELETE = new NothingToDelete();

  static KvOutput value(String value) {
    return new Value(value);
  }

  static KvOutput value(String value, long revision) {
    return new Value(value, revision);
  }

  static KvOutput absent() {
    return ABSENT;
  }

  static KvOutput ack() {
    return ACK;
  }

  static KvOutput ok(long revision) {
    return new Ok(revision);
  }

  static KvOutput preconditionFailed(long current) {
    return new PreconditionFailed(current);
  }

  static KvOutput nothingToDelete() {
    return NOTHING_TO_DELETE;
  }

  static KvOutput keys(List<String> keys) {
    return new Keys(keys);
  }

  /**
   * The revision this answer proves was applied before it was given, 0 if none: a read or a 412 saw
   * the key at that revision, a write was applied there.
   */
  default long witnessedRevision() {
    if (this instanceof Value v) {
      return v.revision();
    }
    if (this instanceof Ok ok) {
      return ok.revision();
    }
    if (this instanceof PreconditionFailed pf) {
      return pf.current();
    }
    return 0;
  }
}
