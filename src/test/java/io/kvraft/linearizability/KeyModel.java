package io.kvraft.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Sequential specification of one key under the contract of design §3, as the checker uses it: it
 * says which states an op, executed atomically in a given state, can lead to when it answered what
 * was recorded.
 *
 * <ul>
 *   <li>A write that succeeds gets a revision, the log index it was applied at, higher than every
 *       revision the key had before (deletes included); the key then holds its value (a put's, or
 *       the old value with an append's added) at that revision, or for a delete is absent.
 *   <li>A read answers the value and revision of the key, or absent. A read recorded without a
 *       revision compares the value only, an absent key reading as "".
 *   <li>{@code If-Match: r} holds iff the key exists at revision r, {@code If-None-Match: *} iff it
 *       is absent; a write whose condition fails changes nothing and answers 412 with the key's
 *       revision (0 when absent). An unconditional delete of an absent key changes nothing (204
 *       without an ETag).
 *   <li>A write whose outcome is unknown executes here if its condition holds, and otherwise
 *       changes nothing; that it never executed at all is the search's business (it may be placed
 *       last).
 * </ul>
 *
 * A write that succeeded but whose revision was not recorded (unknown outcome, or {@link
 * KvOutput.Ack}) may have any revision above the key's; {@link RevisionChoices} narrows that
 * infinite choice to the few revisions that can make a difference.
 */
final class KeyModel {
  private KeyModel() {}

  /**
   * @param output the recorded output, or null when the outcome is unknown
   * @param revisionsAfter the revisions to try for a write that took effect at an unrecorded
   *     revision, given the key's current one
   * @return the states the op can leave behind; empty when it cannot have answered {@code output}
   *     in {@code state}
   */
  static List<KeyState> step(
      KeyState state, KvOp op, KvOutput output, LongFunction<List<Long>> revisionsAfter) {
    if (op instanceof KvOp.Get) {
      return reads(state, output) ? List.of(state) : List.of();
    }
    boolean holds = conditionHolds(state, op);
    if (output instanceof KvOutput.PreconditionFailed failed) {
      return !holds && failed.current() == state.reportedRevision() ? List.of(state) : List.of();
    }
    if (output instanceof KvOutput.NothingToDelete) {
      return !state.present() ? List.of(state) : List.of();
    }
    if (!holds) {
      // Unknown outcome: it executed here and failed, which changes nothing. A recorded success
      // cannot have happened here.
      return output == null ? List.of(state) : List.of();
    }
    String after = valueAfter(state, op);
    if (output instanceof KvOutput.Ok ok) {
      return ok.revision() > state.revision()
          ? List.of(new KeyState(after, ok.revision()))
          : List.of();
    }
    List<KeyState> next = new ArrayList<>();
    for (long revision : revisionsAfter.apply(state.revision())) {
      next.add(new KeyState(after, revision));
    }
    return next;
  }

  static boolean reads(KeyState state, KvOutput output) {
    if (output instanceof KvOutput.Absent) {
      return !state.present();
    }
    KvOutput.Value read = (KvOutput.Value) output;
    if (!read.revisionRecorded()) {
      return read.value().equals(state.valueOrEmpty());
    }
    return state.present()
        && read.value().equals(state.value())
        && read.revision() == state.revision();
  }

  /**
   * Whether a write would take effect in {@code state}; an unconditional delete of an absent key
   * does not (nothing to delete).
   */
  static boolean conditionHolds(KeyState state, KvOp op) {
    if (op instanceof KvOp.PutIfMatch cas) {
      return state.present() && state.revision() == cas.expected();
    }
    if (op instanceof KvOp.PutIfAbsent) {
      return !state.present();
    }
    if (op instanceof KvOp.Delete delete) {
      return state.present() && (delete.expected() == 0 || state.revision() == delete.expected());
    }
    return true;
  }

  /** The value a write that takes effect leaves: null for a delete. */
  private static String valueAfter(KeyState state, KvOp op) {
    if (op instanceof KvOp.Append append) {
      return state.valueOrEmpty() + append.value();
    }
    if (op instanceof KvOp.Delete) {
      return null;
    }
    return writtenValue(op);
  }

  /** The value a put-like write sets or an append adds; null for a delete. */
  static String writtenValue(KvOp op) {
    if (op instanceof KvOp.Put put) {
      return put.value();
    }
    if (op instanceof KvOp.Append append) {
      return append.value();
    }
    if (op instanceof KvOp.PutIfMatch cas) {
      return cas.value();
    }
    if (op instanceof KvOp.PutIfAbsent create) {
      return create.value();
    }
    if (op instanceof KvOp.Delete) {
      return null;
    }
    throw new IllegalArgumentException("not a write: " + op);
  }

  /**
   * Whether the op never changes the key when it answered {@code output}: reads, 412s and deletes
   * that found nothing. The search may linearize these as soon as they match.
   */
  static boolean preservesState(KvOp op, KvOutput output) {
    return output != null
        && (op instanceof KvOp.Get
            || output instanceof KvOutput.PreconditionFailed
            || output instanceof KvOutput.NothingToDelete);
  }
}
