package io.kvraft.kv;

/**
 * Compare-and-set condition of a write, checked against the key's current state when the command is
 * applied (not when it is proposed), so that every replica decides the same way.
 */
public sealed interface Precondition {
  /** Unconditional write. */
  record None() implements Precondition {}

  /** {@code If-Match}: the key must exist with exactly this revision. */
  record IfMatch(long revision) implements Precondition {
    public IfMatch {
      if (revision < 0) {
        throw new IllegalArgumentException("negative revision " + revision);
      }
    }
  }

  /** {@code If-None-Match: *}: the key must be absent. */
  record IfNoneMatch() implements Precondition {}

  None NONE = new None();
  IfNoneMatch IF_NONE_MATCH = new IfNoneMatch();

  static Precondition none() {
    return NONE;
  }

  static Precondition ifMatch(long revision) {
    return new IfMatch(revision);
  }

  static Precondition ifNoneMatch() {
    return IF_NONE_MATCH;
  }

  /** Whether the condition holds for {@code current} (null = key absent). */
  default boolean holds(Versioned current) {
    if (this instanceof IfMatch m) {
      return current != null && current.revision() == m.revision();
    }
    if (this instanceof IfNoneMatch) {
      return current == null;
    }
    return true;
  }
}
